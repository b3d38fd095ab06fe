/**
 * The demo folder builds sample Mattermost installations and proves restores faithful. Used by
 * `mmbackup demo`, the integration tests and the benchmark.
 *
 * Data flow: generateDatabase() creates a Mattermost-shaped database and returns, among its summary, the
 * FileInfo rows; generateFileStore() writes exactly those files (plus generatePluginDirs() for the local
 * plugin directories); generateConfigDir() writes config.json pointing at both. After a backup and restore,
 * compareDatabases() and compareTrees() compare the originals with the restored copies.
 *
 *   rows-people / rows-system / rows-content  -> row-writer (batched INSERTs)  \
 *   postgres-posts (server-side generate_series)                               -> the database
 *   compare -> compare-postgres | compare-mysql (catalog text + row digests), compare-trees
 */
export {
  generateDatabase, dropGeneratedDatabase, type GenerateDatabaseOptions, type GeneratedDatabaseSummary, type GeneratedFile,
} from './generate-database';
export { generateFileStore, generatePluginDirs, type FileStoreOptions, type GeneratedTree, type PluginDirsOptions } from './generate-file-store';
export { generateConfigDir, type ConfigDirOptions, type GeneratedConfigDir } from './generate-config-dir';
export { compareDatabases, compareTrees, type DatabaseDifference, type CompareDatabasesOptions, type CompareTreesOptions } from './compare';
export { type DbEndpoint, type DbServer, parseServerUrl, mattermostDataSource } from './db-endpoint';
export { ID_PATTERN } from './random';
export { MATTERMOST_VERSION, SCHEMA_VERSION } from './rows-system';
