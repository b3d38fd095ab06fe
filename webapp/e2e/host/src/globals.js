// The libraries Mattermost puts on window for plugins (its plugins/export.js), which the plugin bundle
// takes as webpack externals: the modules' CommonJS exports, exactly as `require` gives them. They are the
// same instances the host page renders with, as in Mattermost: a second React or react-redux would break
// hooks and the store.
window.React = require('react');
window.ReactDOM = require('react-dom');
window.Redux = require('redux');
window.ReactRedux = require('react-redux');
window.PropTypes = require('./prop-types-shim');
