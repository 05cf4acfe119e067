/**
 * The parts of a Convex `ctx` convex-guard uses. Any query, mutation or action context (or a
 * convex-test one) fits: these are structural types, not Convex's classes.
 */
import type {
  Auth,
  DocumentByName,
  GenericDataModel,
  GenericDatabaseReader,
  GenericDatabaseWriter,
  GenericDocument,
  TableNamesInDataModel,
} from "convex/server";
import type { GenericId } from "convex/values";

/** A query context (or anything with `auth` and a database reader). */
export type ReaderCtx<DM extends GenericDataModel = GenericDataModel> = {
  auth: Auth;
  db: GenericDatabaseReader<DM>;
};

/** A mutation context (or anything with `auth` and a database writer). */
export type WriterCtx<DM extends GenericDataModel = GenericDataModel> = {
  auth: Auth;
  db: GenericDatabaseWriter<DM>;
};

/** The document type of table `T` in data model `DM` (a generic document when unknown). */
export type DocOf<DM extends GenericDataModel, T extends string> =
  T extends TableNamesInDataModel<DM>
    ? DocumentByName<DM, T>
    : GenericDocument & { _id: GenericId<T> };

/**
 * Any context that can read: a query, mutation or action-with-db context of any data model.
 * Methods take `C extends AnyReaderCtx` and read the data model back with {@link DataModelOf},
 * which (unlike a `ReaderCtx<DM>` parameter) also infers it from a mutation's database writer.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyReaderCtx = { auth: Auth; db: GenericDatabaseReader<any> };

/** The data model of a context's database (reader or writer). */
export type DataModelOf<C> = C extends { db: GenericDatabaseWriter<infer DM> }
  ? DM
  : C extends { db: GenericDatabaseReader<infer DM> }
    ? DM
    : GenericDataModel;

