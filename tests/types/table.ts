// A table of a hand-written data model, for the type tests that need one (what Convex's
// codegen makes of a schema, reduced to what the guard's types read).
export type Table<Doc, Fields extends string> = {
  document: Doc;
  fieldPaths: Fields;
  indexes: {};
  searchIndexes: {};
  vectorIndexes: {};
};
