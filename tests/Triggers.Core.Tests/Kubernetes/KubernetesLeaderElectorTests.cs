using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Triggers.Core.Kubernetes;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

public sealed class KubernetesLeaderElectorTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _terms = new();
    private FakeKubernetesApiServer _server = null!;
    private int _active;
    private int _maxActive;

    public async Task InitializeAsync() => _server = await FakeKubernetesApiServer.StartNewAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Exactly_One_Of_Three_Leads_And_A_Hard_Stop_Hands_Over()
    {
        var candidates = Enumerable.Range(1, 3).Select(i => Start($"replica-{i}")).ToArray();
        try
        {
            await Eventually.WaitUntilAsync(() => candidates.Count(c => c.Elector.IsLeader) == 1, "one replica leads");
            var first = candidates.Single(c => c.Elector.IsLeader);
            Assert.Equal(first.Elector.Identity, LeaseHolder());
            await Eventually.WaitUntilAsync(() => candidates.All(c => c.Elector.CurrentLeader == first.Elector.Identity), "every replica sees the leader");

            // Hard stop: no release of the lease; the others must wait for it to expire.
            await first.Stop.CancelAsync();
            await first.Running.WaitAsync(TimeSpan.FromSeconds(10));

            await Eventually.WaitUntilAsync(() => candidates.Count(c => c.Elector.IsLeader) == 1 && !first.Elector.IsLeader && _terms.Count == 2, "another replica leads and works");
            var second = candidates.Single(c => c.Elector.IsLeader);
            Assert.NotEqual(first.Elector.Identity, second.Elector.Identity);
            Assert.Equal(second.Elector.Identity, LeaseHolder());
            Assert.Equal([first.Elector.Identity, second.Elector.Identity], _terms);
            Assert.Equal(1, Volatile.Read(ref _maxActive));
        }
        finally
        {
            await StopAllAsync(candidates);
        }
    }

    [Fact]
    public async Task Losing_The_Api_Server_Cancels_The_Leaders_Work_And_It_Leads_Again_After()
    {
        var only = Start("solo");
        try
        {
            await Eventually.WaitUntilAsync(() => only.Elector.IsLeader && Volatile.Read(ref _active) == 1, "the replica leads and works");

            await _server.StopAsync();
            await Eventually.WaitUntilAsync(() => !only.Elector.IsLeader && Volatile.Read(ref _active) == 0, "the work is cancelled once renewal fails");

            await _server.StartAsync();
            await Eventually.WaitUntilAsync(() => only.Elector.IsLeader && Volatile.Read(ref _active) == 1, "the replica leads again");
            Assert.Equal(2, _terms.Count);
        }
        finally
        {
            await StopAllAsync([only]);
        }
    }

    [Fact]
    public async Task A_Lease_Taken_By_Another_Holder_Cancels_The_Leaders_Work()
    {
        var only = Start("victim");
        try
        {
            await Eventually.WaitUntilAsync(() => only.Elector.IsLeader && Volatile.Read(ref _active) == 1, "the replica leads");

            var lease = _server.Get(FakeResourceType.Leases, "leases", "cron")!;
            lease["spec"]!["holderIdentity"] = "intruder";
            lease["spec"]!["leaseDurationSeconds"] = 3600;
            lease["spec"]!["renewTime"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
            _server.Apply(FakeResourceType.Leases, lease);

            await Eventually.WaitUntilAsync(() => !only.Elector.IsLeader && Volatile.Read(ref _active) == 0, "the work is cancelled");
            await Eventually.WaitUntilAsync(() => only.Elector.CurrentLeader == "intruder", "the new holder is seen");
        }
        finally
        {
            await StopAllAsync([only]);
        }
    }

    [Fact]
    public void Options_Are_Validated_With_The_Key_Named()
    {
        var result = new LeaderElectionOptionsValidator().Validate(null, new LeaderElectionOptions
        {
            LeaseDuration = TimeSpan.FromSeconds(5),
            RenewDeadline = TimeSpan.FromSeconds(6),
            RetryPeriod = TimeSpan.FromSeconds(1),
            LeaseName = "Not_Valid",
        });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Triggers:LeaderElection:RenewDeadline", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Triggers:LeaderElection:LeaseName", StringComparison.Ordinal));
    }

    private Candidate Start(string identity)
    {
        var options = Options.Create(new LeaderElectionOptions
        {
            LeaseName = "cron",
            LeaseNamespace = "leases",
            Identity = identity,
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        var client = _server.CreateClient();
        var elector = new KubernetesLeaderElector(client, options, Options.Create(new TriggersOptions()), TimeProvider.System, NullLogger<KubernetesLeaderElector>.Instance);
        var stop = new CancellationTokenSource();
        var running = elector.RunAsync(LeadAsync, null, stop.Token);
        return new Candidate(elector, stop, running, client);

        async Task LeadAsync(CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref _active);
            InterlockedMax(ref _maxActive, now);
            _terms.Enqueue(identity);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref _active);
            }
        }
    }

    private string? LeaseHolder() => (string?)_server.Get(FakeResourceType.Leases, "leases", "cron")?["spec"]?["holderIdentity"];

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static async Task StopAllAsync(IEnumerable<Candidate> candidates)
    {
        foreach (var c in candidates)
        {
            await c.Stop.CancelAsync();
            await c.Running.WaitAsync(TimeSpan.FromSeconds(10));
            c.Stop.Dispose();
            c.Client.Dispose();
        }
    }

    private sealed record Candidate(KubernetesLeaderElector Elector, CancellationTokenSource Stop, Task Running, k8s.IKubernetes Client);
}
