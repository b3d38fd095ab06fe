// jsdom lacks the text codecs the job log reader uses in browsers; Node's are the same implementation.
// Plain JS: the webapp's type check has browser types only, not Node's.
const {TextDecoder, TextEncoder} = require('util');

Object.assign(globalThis, {TextDecoder, TextEncoder});
