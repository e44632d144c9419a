using Triggers.Core.Kubernetes;

namespace Triggers.Cron.Internal;

/// <summary>Maps the cron worker's lease keys (<c>Cron:LeaseName</c>, ...) onto Core's leader election settings.</summary>
internal static class CronElection
{
    public static void Apply(CronOptions cron, LeaderElectionOptions election)
    {
        election.LeaseName = cron.LeaseName;

        // The cron worker has always looked at POD_NAMESPACE before Triggers:Namespace; the elector tries the rest.
        election.LeaseNamespace = cron.LeaseNamespace is { Length: > 0 } ns ? ns : Environment.GetEnvironmentVariable("POD_NAMESPACE");
        election.Identity = cron.Identity;
        election.LeaseDuration = cron.LeaseDuration;
        election.RenewDeadline = cron.RenewDeadline;
        election.RetryPeriod = cron.RetryPeriod;
        election.ReleaseOnCancel = true;
    }
}
