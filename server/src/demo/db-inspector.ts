/**
 * What compareDatabases() needs from one database, per driver (./compare-postgres, ./compare-mysql): an
 * inventory of its schema objects as comparable text, and order-independent hashes of table contents.
 */

/** Schema objects, each keyed by a qualified name and described by a definition string; equal text = equal object. */
export interface DatabaseInventory {
  /** Table -> its column list (names, types, nullability, defaults, collations; engine and charset on MySQL). */
  tables: Map<string, string>;
  /** Table -> primary key columns, quoted for use in SQL (empty when the table has none). */
  primaryKeys: Map<string, string[]>;
  /** Sequence (PostgreSQL) or table AUTO_INCREMENT (MySQL) -> its settings and current value. */
  sequences: Map<string, string>;
  /** table.index -> definition. */
  indexes: Map<string, string>;
  /** table.constraint -> definition (primary, unique, foreign key, check). */
  constraints: Map<string, string>;
  /** Everything else a restore must bring back: enum types, views, functions, triggers, extensions. */
  objects: Map<string, string>;
}

/** An order-independent digest of a table's rows: equal multisets of rows give equal digests. */
export interface TableDigest {
  rows: number;
  hash: string;
}

export interface DbInspector {
  inventory(): Promise<DatabaseInventory>;
  /** Digest of every row of `table` (a key of inventory().tables). */
  tableDigest(table: string): Promise<TableDigest>;
  /** Row hash per primary key value (rendered as text) of `table`; for locating differences in small tables. */
  rowHashes(table: string, primaryKey: string[]): Promise<Map<string, string>>;
  close(): Promise<void>;
}

