/** Running requests on loaded models: queues, batching, workers, warm-up (no HTTP types). */
package io.convserve.serving;
