/** The one place that knows meter names: Triton's counters and our histograms, labelled model and version. */
package io.convserve.metrics;
