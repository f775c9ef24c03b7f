/** Configuration, start-up wiring, OpenAPI and web setup. */
package io.convserve.system;
