/**
 * What one parse may cost: the bounds that keep a single request from holding the process.
 * A body's size is bounded by whoever reads it (the api's body limit); these bound what the text
 * turns into, because YAML aliases let a small body stand for a much larger document.
 */
export interface ParseLimits {
  /** Keys in one mapping (a YAML mapping or a JSON object). */
  maxKeysPerMapping: number;
  /** Alias nodes (`*name`) in one YAML document; also the yaml package's expansion budget. */
  maxAliases: number;
  /** Nesting of mappings and sequences, counted from a document's top. */
  maxDepth: number;
  /** All documents of one text together, aliases expanded, measured as JSON text (UTF-16 code units). */
  maxExpandedBytes: number;
}

export type LimitName = keyof ParseLimits;

export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = {
  // ConfigMaps and label sets hold tens to hundreds of keys; ten thousand is far beyond use.
  maxKeysPerMapping: 10_000,
  // Manifests rarely use aliases at all.
  maxAliases: 100,
  // Kubernetes objects nest about 15 deep; the yaml composer's own stack gives out near 800.
  maxDepth: 100,
  // Four times the default body limit (1 MiB): YAML written as JSON grows by its quotes and braces.
  maxExpandedBytes: 4 * 1024 * 1024,
};

/** A limit that a text went past: which one and its value. */
export interface ExceededLimit {
  name: LimitName;
  max: number;
}
