using Quartz;
using Quartz.Extensibility;

namespace Triggers.Cron.Internal;

/// <summary>The Quartz job of every schedule: hands the tick to the ticker, which decides and dispatches without holding a Quartz thread.</summary>
internal sealed class CronTickJob(QuartzTicker ticker) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        ticker.OnTickAsync(context.JobDetail.Key.Name, context.ScheduledFireTimeUtc ?? context.FireTimeUtc, cancellationToken);
}

/// <summary>Gives Quartz the one job instance bound to this worker's scheduler.</summary>
internal sealed class CronTickJobFactory(QuartzTicker ticker) : IJobFactory
{
    private readonly CronTickJob _job = new(ticker);

    public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new JobScope(_job, null));

    public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
