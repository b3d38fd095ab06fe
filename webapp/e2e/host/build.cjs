// Bundles the host page (host/src/main.js with React, ReactDOM, Redux and react-redux) into <outDir>/host.js
// with the webpack the webapp already uses. Development mode: React's readable errors and warnings show up
// in the browser console the tests collect. The plugin bundle itself is built separately (webapp/dist).
'use strict';
const path = require('node:path');
const webpack = require('webpack');

function buildHostBundle(outDir) {
    const compiler = webpack({
        mode: 'development',
        devtool: false,
        context: __dirname,
        entry: path.join(__dirname, 'src/main.js'),
        output: {path: outDir, filename: 'host.js'},
        performance: {hints: false},
        infrastructureLogging: {level: 'error'},
        stats: 'errors-only',
    });
    return new Promise((resolve, reject) => {
        compiler.run((err, stats) => {
            compiler.close(() => {
                if (err) {
                    reject(err);
                } else if (stats.hasErrors()) {
                    reject(new Error(`the host page bundle did not build:\n${stats.toString('errors-only')}`));
                } else {
                    resolve(path.join(outDir, 'host.js'));
                }
            });
        });
    });
}

module.exports = {buildHostBundle};

if (require.main === module) {
    buildHostBundle(path.resolve(process.argv[2] ?? 'test-output/e2e/host')).then((file) => console.log(file), (err) => {
        console.error(err.message);
        process.exit(1);
    });
}
