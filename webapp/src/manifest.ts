// Generated from plugin.json by `node build/manifest.mjs apply`. Do not edit: change plugin.json and re-run.
export const manifest = {
    id: 'backup-dr',
    version: '0.1.0',
} as const;

export default manifest;
