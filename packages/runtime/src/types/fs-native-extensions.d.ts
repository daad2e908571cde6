// The part of fs-native-extensions (holepunchto) that data-dir-lock.ts uses; the package ships no types.
declare module 'fs-native-extensions' {
  /** A non-blocking lock on the open file `fd` (Linux: open file description lock; macOS: flock; Windows: LockFileEx). */
  export function tryLock(fd: number, offset?: number, length?: number, options?: { shared?: boolean }): boolean;
  export function unlock(fd: number, offset?: number, length?: number): void;
}
