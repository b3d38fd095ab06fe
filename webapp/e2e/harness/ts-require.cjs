// Lets this Node process require the server's TypeScript test support (server/test/support/**: the real
// Mattermost launcher) from source, compiled by @swc/core the same way server/jest.config.js compiles it for
// jest. Extensionless imports resolve to .ts because CommonJS resolution tries every registered extension.
'use strict';
const fs = require('node:fs');
const Module = require('node:module');
const swc = require('@swc/core');

const OPTIONS = {
    jsc: {parser: {syntax: 'typescript'}, target: 'es2022'},
    module: {type: 'commonjs'},
    sourceMaps: 'inline',
};

// Set unconditionally: a Node with built-in type stripping would otherwise load these files as ES modules.
Module._extensions['.ts'] = function compileTypeScript(module, filename) {
    const {code} = swc.transformSync(fs.readFileSync(filename, 'utf8'), {...OPTIONS, filename});
    module._compile(code, filename);
};
