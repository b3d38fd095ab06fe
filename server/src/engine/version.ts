/** The tool's version, recorded in every manifest: the server package's version. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const TOOL_VERSION: string = require('../../package.json').version;
