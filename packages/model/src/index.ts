// CONTRACT STUB — the model helper replaces these bodies with the real implementation.
// Signatures are the contract other packages code against; keep them.
import type { FieldError, MeshEvent, MeshObject, MeshState, ObjectRef, Validated } from './types.js';
export * from './types.js';

export interface ParseError { line: number; column: number; message: string }
/** Splits multi-document YAML (or a JSON object / array / `List`) into plain documents. */
export declare function parseDocuments(text: string): { ok: true; documents: unknown[] } | { ok: false; error: ParseError };
export interface ValidateOptions { clusterDomain?: string }
/** Validates and normalises one document. Errors carry field paths like `spec.http[0].route[0].destination.port.number`. */
export declare function validateDocument(document: unknown, options?: ValidateOptions): Validated<MeshObject>;
/** `Kind/namespace/name`; the event-log stream id of the object. */
export declare function objectKey(ref: ObjectRef | MeshObject): string;
export declare function refOf(object: MeshObject): ObjectRef;
/** Canonical JSON (keys sorted) of a normalised object, and its SHA-256 hex digest. */
export declare function canonicalJson(value: unknown): string;
export declare function digestOf(object: MeshObject): string;
export declare function initialState(): MeshState;
export declare function evolve(state: MeshState, sequence: number, event: MeshEvent): MeshState;
export declare function isKind(kind: string): boolean;
export type { FieldError };
