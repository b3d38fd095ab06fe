// window.PropTypes as Mattermost's production build has it: validators that accept everything (prop-types
// swaps in such no-op shims in production). The prop-types package itself is not a dependency here.
function shim() {
    return null;
}
shim.isRequired = shim;
const factory = () => shim;

const PropTypes = {
    any: shim, array: shim, bigint: shim, bool: shim, func: shim, number: shim, object: shim, string: shim,
    symbol: shim, node: shim, element: shim, elementType: shim,
    arrayOf: factory, instanceOf: factory, objectOf: factory, oneOf: factory, oneOfType: factory, shape: factory,
    exact: factory,
    checkPropTypes: () => undefined,
    resetWarningCache: () => undefined,
};
PropTypes.PropTypes = PropTypes;

module.exports = PropTypes;
