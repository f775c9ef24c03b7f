/** HTTP controllers, request/response records and the one exception handler. */
package io.convserve.api;
