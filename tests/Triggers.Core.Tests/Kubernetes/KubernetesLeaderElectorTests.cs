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
    public async Task A_Graceful_Stop_Releases_The_Lease_After_The_Work_Returned_So_Another_Takes_Over_At_Once()
    {
        // A lease of an hour: without the release nobody else could lead within this test.
        var first = Start("graceful", release: true, leaseSeconds: 3600);
        Candidate? second = null;
        try
        {
            await Eventually.WaitUntilAsync(() => first.Elector.IsLeader && Volatile.Read(ref _active) == 1, "the first replica leads");
            second = Start("successor", release: true, leaseSeconds: 3600);
            await Eventually.WaitUntilAsync(() => second.Elector.CurrentLeader == "graceful", "the successor sees the leader");

            await first.Stop.CancelAsync();
            await first.Running.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, Volatile.Read(ref _active));
            Assert.NotEqual("graceful", LeaseHolder());

            await Eventually.WaitUntilAsync(() => second.Elector.IsLeader && Volatile.Read(ref _active) == 1, "the successor leads long before the hour-long lease expires");
            Assert.Equal("successor", LeaseHolder());
            Assert.Equal(1, Volatile.Read(ref _maxActive));
        }
        finally
        {
            await StopAllAsync(second is null ? [first] : [first, second]);
        }
    }

    [Fact]
    public async Task An_Abandoned_Stop_Keeps_The_Lease_As_A_Crash_Would()
    {
        var only = Start("crashing", release: true, leaseSeconds: 3600);
        await Eventually.WaitUntilAsync(() => only.Elector.IsLeader, "the replica leads");

        await only.Abandon.CancelAsync();
        await only.Stop.CancelAsync();
        await only.Running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("crashing", LeaseHolder());
        await StopAllAsync([only]);
    }

    [Fact]
    public void Options_Are_Validated_With_The_Key_Named_Under_The_Section_Given()
    {
        var result = new LeaderElectionOptionsValidator("Cron").Validate(null, new LeaderElectionOptions
        {
            LeaseDuration = TimeSpan.FromSeconds(5),
            RenewDeadline = TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromSeconds(1),
        });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.StartsWith("Cron:RenewDeadline", StringComparison.Ordinal));
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

    private Candidate Start(string identity, bool release = false, int leaseSeconds = 2)
    {
        var options = Options.Create(new LeaderElectionOptions
        {
            LeaseName = "cron",
            LeaseNamespace = "leases",
            Identity = identity,
            LeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
            RenewDeadline = TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
            ReleaseOnCancel = release,
        });
        var client = _server.CreateClient();
        var elector = new KubernetesLeaderElector(client, options, Options.Create(new TriggersOptions()), TimeProvider.System, NullLogger<KubernetesLeaderElector>.Instance);
        var stop = new CancellationTokenSource();
        var abandon = new CancellationTokenSource();
        var running = elector.RunAsync(LeadAsync, null, stop.Token, abandon.Token);
        return new Candidate(elector, stop, abandon, running, client);

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
            c.Abandon.Dispose();
            c.Client.Dispose();
        }
    }

    private sealed record Candidate(KubernetesLeaderElector Elector, CancellationTokenSource Stop, CancellationTokenSource Abandon, Task Running, k8s.IKubernetes Client);
}
