/**
 * Advisory lock keys. They are per database, so a test database or a second deployment on
 * another database never contends with this one. Arbitrary constants, spelled in ASCII:
 * 'mgmi' (meshgate migrate) and 'mgap' (meshgate append).
 */
export const MIGRATION_LOCK_KEY = 0x6d676d69;
export const APPEND_LOCK_KEY = 0x6d676170;
