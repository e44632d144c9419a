using Quartz;

namespace Triggers.Cron.Internal;

/// <summary>The Quartz job of every schedule: hands the tick to the ticker, which decides and dispatches without holding a Quartz thread.</summary>
internal sealed class CronTickJob(QuartzTicker ticker) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        ticker.OnTickAsync(context.JobDetail.Key.Name, context.ScheduledFireTimeUtc ?? context.FireTimeUtc, cancellationToken);
}
