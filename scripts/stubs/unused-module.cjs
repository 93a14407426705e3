'use strict';
// Stands in for `ws` and `xml2js` in the bundle: @darabonba/typescript requires them for WebSocket and
// XML APIs, which SWAS (JSON over HTTP) never uses. Using one fails loudly instead of silently.
function leftOut() {
  throw new Error('This module is left out of the SWAS Key Pairs bundle (SWAS answers in JSON over HTTP).');
}
leftOut.Builder = leftOut;
leftOut.Parser = leftOut;
leftOut.WebSocket = leftOut;
module.exports = leftOut;
