namespace Triggers.Core.Dispatch;

/// <summary>
/// Makes the delivery handler of the dispatch client instead of <see cref="DeliveryHandler"/>, when
/// one is registered. A seam for measurements only: no worker registers one.
/// tests/Triggers.Benchmarks.PollyWorker registers a Polly.Core pipeline through it, so the
/// <c>polly-ab</c> benchmark compares the two handlers on the same worker (docs/benchmarks.md).
/// </summary>
internal delegate DelegatingHandler DeliveryHandlerFactory(DeliveryOptions delivery, TimeProvider time);
