using Quartz;
using Quartz.Extensibility;

namespace Triggers.Cron.Internal;

/// <summary>The Quartz job of every schedule: hands the tick to the scheduler, which decides and dispatches without holding a Quartz thread.</summary>
internal sealed class CronTickJob(CronScheduler scheduler) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        scheduler.OnQuartzTickAsync(context.JobDetail.Key.Name, context.ScheduledFireTimeUtc ?? context.FireTimeUtc, cancellationToken);
}

/// <summary>Gives Quartz the one job instance bound to this worker's scheduler.</summary>
internal sealed class CronTickJobFactory(CronScheduler scheduler) : IJobFactory
{
    private readonly CronTickJob _job = new(scheduler);

    public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new JobScope(_job, null));

    public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
