// CONTRACT STUB — the envoy-proto helper replaces this with the real implementation.
export declare function checkResource(typeUrl: string, resource: Record<string, unknown>): string[];
export declare function encodeResource(typeUrl: string, resource: Record<string, unknown>): Buffer;
export declare function decodeResource(typeUrl: string, bytes: Uint8Array): Record<string, unknown>;
