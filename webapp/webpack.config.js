// Builds dist/main.js, the bundle plugin.json points at. Mattermost already ships React, Redux and friends
// as window globals and plugins must use those same instances (hooks and the store break with two copies),
// so they are externals and never bundled.
const path = require('path');

module.exports = {
    entry: './src/index.tsx',
    resolve: {extensions: ['.ts', '.tsx', '.js']},
    module: {
        rules: [{
            test: /\.tsx?$/,
            exclude: /node_modules/,

            // ts-loader type-checks what it bundles, so a type error fails the build.
            use: {loader: 'ts-loader', options: {onlyCompileBundledFiles: true}},
        }],
    },
    externals: {
        react: 'React',
        'react-dom': 'ReactDOM',
        redux: 'Redux',
        'react-redux': 'ReactRedux',
        'prop-types': 'PropTypes',
    },
    output: {
        path: path.join(__dirname, 'dist'),
        filename: 'main.js',
        clean: true,
    },
    devtool: false,
    performance: {hints: false},
};
