// jsdom lacks the text codecs the job log reader uses in browsers; Node's are the same implementation.
import {TextDecoder, TextEncoder} from 'util';

Object.assign(globalThis, {TextDecoder, TextEncoder});
