/** The layer stack: shapes, shape arithmetic, parameter counts and the ND4J forward pass (no Spring). */
package io.convserve.model;
