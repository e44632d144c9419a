using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Core.Hosting;

/// <summary>
/// Runs the configured <see cref="IResourceSource"/> into the cache, keeping only the triggers of
/// <c>Triggers:TriggerSelector</c>; restarts it with backoff if it ever fails.
/// </summary>
public sealed partial class ResourceSourceService(IResourceSource source, ResourceCache cache, IOptions<TriggersOptions> options, TimeProvider time, ILogger<ResourceSourceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Validated at start (TriggersOptionsValidator).
        IResourceSink sink = LabelSelectorText.TryParse(options.Value.TriggerSelector, out var selector, out _) && !selector.MatchesEverything
            ? new TriggerSelectingSink(cache, selector)
            : cache;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await source.RunAsync(sink, stoppingToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                var delay = Backoff.Next(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30), failures);
                LogSourceFailed(logger, source.GetType().Name, delay, e);
                try
                {
                    await Backoff.DelayAsync(delay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Resource source {Source} failed; restarting in {Delay}")]
    private static partial void LogSourceFailed(ILogger logger, string source, TimeSpan delay, Exception exception);
}
