using Quartz;
using Quartz.Extensibility;

namespace Triggers.Cron.Internal;

/// <summary>Gives Quartz the one job instance bound to this worker's scheduler.</summary>
internal sealed class CronTickJobFactory(QuartzTicker ticker) : IJobFactory
{
    private readonly CronTickJob _job = new(ticker);

    public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new JobScope(_job, null));

    public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
