/* eslint-disable */
/**
 * Generated `api` utility. Hand-written once from convex@1.48's codegen templates.
 * @module
 */
import { anyApi, componentsGeneric } from "convex/server";

export const api = anyApi;
export const internal = anyApi;
export const components = componentsGeneric();
