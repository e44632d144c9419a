using System.Globalization;
using System.Text;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;

namespace Triggers.Kafka.Tests;

/// <summary>Records the function refuses go to the dead-letter topic (or are skipped), and the group moves past them.</summary>
public sealed class DeadLetterTests
{
    [Fact]
    public async Task Poison_And_Exhausted_Records_Land_In_The_Dead_Letter_Topic_With_Headers_And_Offsets_Move_Past()
    {
        await using var scenario = await StartWithDeadLetterTopicAsync("dlq-src", partitions: 4);
        var (topic, deadLetterTopic) = (scenario.Topic, DeadLetterTopic(scenario));
        // Seq 5 of every partition is poison (400); seq 7 of partition 2 always fails with 503.
        scenario.Function.Respond(r => r.BodyText switch
        {
            var b when b.EndsWith(":5", StringComparison.Ordinal) => new FunctionReply(400, "bad input"),
            "2:7" => new FunctionReply(503),
            _ => FunctionReply.Ok,
        });
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        await scenario.ProduceAsync(80, key: i => "key-" + i.ToString(CultureInfo.InvariantCulture));

        var letters = await Task.Run(() => scenario.Cluster.ReadAll(deadLetterTopic, 5, TimeSpan.FromSeconds(60)));
        Assert.Equal(5, letters.Count);
        foreach (var letter in letters)
        {
            string Header(string name) => Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes(name));
            var body = Encoding.UTF8.GetString(letter.Message.Value);
            var partition = int.Parse(body.Split(':')[0], CultureInfo.InvariantCulture);
            var seq = int.Parse(body.Split(':')[1], CultureInfo.InvariantCulture);
            Assert.Equal(topic, Header("dlq-original-topic"));
            Assert.Equal(partition.ToString(CultureInfo.InvariantCulture), Header("dlq-original-partition"));
            Assert.Equal(seq.ToString(CultureInfo.InvariantCulture), Header("dlq-original-offset"));
            Assert.Equal($"default/{scenario.TriggerName}", Header("dlq-trigger"));
            Assert.Equal($"default/{scenario.FunctionName}", Header("dlq-function"));
            Assert.Equal($"key-{(seq * 4) + partition}", Encoding.UTF8.GetString(letter.Message.Key));
            if (body == "2:7")
            {
                Assert.Equal("503", Header("dlq-status"));
                Assert.Equal("Retryable", Header("dlq-outcome"));
                Assert.Equal("3", Header("dlq-attempts"));
            }
            else
            {
                Assert.Equal(5, seq);
                Assert.Equal("400", Header("dlq-status"));
                Assert.Equal("Poison", Header("dlq-outcome"));
                Assert.Equal("1", Header("dlq-attempts"));
            }

            Assert.False(string.IsNullOrEmpty(Header("dlq-error")));

            // The product's dead-letter header names, with the dlq-* names above as their aliases.
            Assert.Equal(topic, Header("Triggers-Original-Topic"));
            Assert.Equal(Header("dlq-original-offset"), Header("Triggers-Original-Offset"));
            Assert.Equal(Header("dlq-outcome"), Header("Triggers-Outcome"));
            Assert.Equal(Header("dlq-attempts"), Header("Triggers-Attempts"));
            Assert.Equal($"partition:{partition}/offset:{seq}", Header("Triggers-Event-Id"));
        }

        // Every record settled, so the group's committed offsets reach the end of every partition.
        await Eventually.WaitUntilAsync(
            () => scenario.Cluster.CommittedOffsets(scenario.GroupId, topic, 4).Values.All(o => o == 20),
            "the committed offsets of every partition move past the dead-lettered records to the end (20)", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Poison_Without_Dead_Letter_Topic_Is_Skipped_And_Committed_Past()
    {
        await using var scenario = await Scenario.StartAsync("skip-" + Guid.NewGuid().ToString("N")[..8], partitions: 1);
        scenario.WriteManifests();
        scenario.Function.Respond(r => r.BodyText == "0:3" ? new FunctionReply(422) : FunctionReply.Ok);
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        await scenario.ProduceAsync(10);

        await Eventually.WaitUntilAsync(
            () => scenario.Cluster.CommittedOffsets(scenario.GroupId, scenario.Topic, 1)[0] == 10,
            "the committed offset moves past the poison record to the end (10)", TimeSpan.FromSeconds(30));
        Assert.Single(scenario.Function.Requests, r => r.BodyText == "0:3");
        Assert.Equal(10, scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count());
    }

    [Fact]
    public async Task A_Failed_Dead_Letter_Write_Is_Retried_And_The_Offset_Stays_Before_The_Record_Until_It_Is_Written()
    {
        await using var scenario = await StartWithDeadLetterTopicAsync("dlq-fail", partitions: 1);
        var (topic, deadLetterTopic) = (scenario.Topic, DeadLetterTopic(scenario));
        scenario.Function.Respond(r => r.BodyText == "0:3" ? new FunctionReply(400, "bad input") : FunctionReply.Ok);
        await scenario.ProduceAsync(10);

        // Kafka API key 0 = Produce: the next dead-letter writes are refused by the broker.
        scenario.Cluster.PushRequestErrors(0, Enumerable.Repeat(Confluent.Kafka.ErrorCode.TopicAuthorizationFailed, 12).ToArray());
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());

        // While the dead letter is not written, the committed offset never passes the record (3)
        // and, in partition order, the records after it wait.
        var sawFailingWindow = false;
        await Eventually.WaitUntilAsync(() =>
        {
            var committed = scenario.Cluster.CommittedOffsets(scenario.GroupId, topic, 1)[0];
            var laterDelivered = scenario.Function.Requests.Any(r => r.BodyText == "0:4");
            var poisonSeen = scenario.Function.Requests.Any(r => r.BodyText == "0:3");
            if (scenario.Cluster.EndOffset(deadLetterTopic) > 0)
            {
                return true;
            }

            Assert.True(committed <= 3, $"committed offset {committed} passed the record whose dead letter is not written");
            Assert.False(laterDelivered, "a record after the unwritten dead letter was delivered");
            sawFailingWindow |= poisonSeen;
            return false;
        }, "the dead letter is written once the broker accepts it", TimeSpan.FromSeconds(60));
        Assert.True(sawFailingWindow, "the dead-letter writes were refused for a while after the record was rejected");

        var letter = Assert.Single(await Task.Run(() => scenario.Cluster.ReadAll(deadLetterTopic, 1, TimeSpan.FromSeconds(30))));
        Assert.Equal("0:3", Encoding.UTF8.GetString(letter.Message.Value));
        await Eventually.WaitUntilAsync(
            () => scenario.Cluster.CommittedOffsets(scenario.GroupId, topic, 1)[0] == 10,
            "the committed offset moves past the dead-lettered record to the end (10)", TimeSpan.FromSeconds(30));
        Assert.Equal(10, scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count());
    }

    [Fact]
    public async Task Records_Refused_By_An_Open_Circuit_Breaker_Are_Not_Dead_Lettered_Unheard()
    {
        await using var scenario = await StartWithDeadLetterTopicAsync("dlq-breaker", partitions: 2);
        var (topic, deadLetterTopic) = (scenario.Topic, DeadLetterTopic(scenario));

        // Partition 0's first three records always fail (503), so the endpoint's breaker opens;
        // partition 1's records are fine but, while the breaker is open, refused before they reach the function.
        scenario.Function.Respond(r => r.BodyText is "0:0" or "0:1" or "0:2"
            ? new FunctionReply(503)
            : new FunctionReply(Delay: TimeSpan.FromMilliseconds(100)));
        var settings = scenario.Settings();
        settings["Triggers:Delivery:BreakerMinimumThroughput"] = "4";
        settings["Triggers:Delivery:BreakerBreakDuration"] = "00:00:00.5";
        await scenario.ProduceAsync(20);
        await using var worker = await InProcessWorker.StartAsync(settings);

        await Eventually.WaitUntilAsync(
            () => scenario.Cluster.CommittedOffsets(scenario.GroupId, topic, 2).Values.All(o => o == 10),
            "every record is settled and committed", TimeSpan.FromSeconds(90));
        Assert.Equal(10, scenario.Function.Requests.Where(r => r.BodyText.StartsWith("1:", StringComparison.Ordinal)).Select(r => r.BodyText).Distinct().Count());
        var letters = await Task.Run(() => scenario.Cluster.ReadAll(deadLetterTopic, 4, TimeSpan.FromSeconds(5)));
        Assert.Equal(3, letters.Count);
        foreach (var letter in letters)
        {
            // Only records the function itself failed maxAttempts (3) times are dead letters.
            Assert.StartsWith("0:", Encoding.UTF8.GetString(letter.Message.Value), StringComparison.Ordinal);
            Assert.Equal("503", Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes("Triggers-Status")));
            Assert.True(int.Parse(Encoding.UTF8.GetString(letter.Message.Headers.GetLastBytes("Triggers-Attempts")), CultureInfo.InvariantCulture) >= 3);
        }
    }

    [Fact]
    public async Task A_Record_That_Keeps_Its_Breaker_Open_Is_Still_Dead_Lettered_After_MaxAttempts()
    {
        await using var scenario = await StartWithDeadLetterTopicAsync("dlq-open", partitions: 1);
        var (topic, deadLetterTopic) = (scenario.Topic, DeadLetterTopic(scenario));

        // Nothing else calls the function: each trial after the break fails and opens the breaker
        // again, which refuses the rest of that dispatch. Those trials are failed attempts all the same.
        scenario.Function.Respond(_ => new FunctionReply(503));
        var settings = scenario.Settings();
        settings["Triggers:Delivery:BreakerMinimumThroughput"] = "2";
        settings["Triggers:Delivery:BreakerBreakDuration"] = "00:00:00.5";
        await scenario.ProduceAsync(1);
        await using var worker = await InProcessWorker.StartAsync(settings);

        var letters = await Task.Run(() => scenario.Cluster.ReadAll(deadLetterTopic, 1, TimeSpan.FromSeconds(60)));
        Assert.Single(letters);
        Assert.True(int.Parse(Encoding.UTF8.GetString(letters[0].Message.Headers.GetLastBytes("Triggers-Attempts")), CultureInfo.InvariantCulture) >= 3);

        // What the function last answered, even when the breaker refused the dispatch's last try.
        Assert.Equal("503", Encoding.UTF8.GetString(letters[0].Message.Headers.GetLastBytes("Triggers-Status")));
        await Eventually.WaitUntilAsync(
            () => scenario.Cluster.CommittedOffsets(scenario.GroupId, topic, 1).Values.All(o => o == 1),
            "the dead-lettered record is committed", TimeSpan.FromSeconds(30));
    }

    private static string DeadLetterTopic(Scenario scenario) => scenario.Topic + "-dead";

    /// <summary>A scenario whose trigger names a dead-letter topic (created, one partition).</summary>
    private static async Task<Scenario> StartWithDeadLetterTopicAsync(string prefix, int partitions)
    {
        var scenario = await Scenario.StartAsync(prefix + "-" + Guid.NewGuid().ToString("N")[..8], partitions);
        scenario.Cluster.CreateTopic(DeadLetterTopic(scenario), 1);
        scenario.WriteManifests($"initialOffset: earliest\ndelivery:\n  deadLetterTopic: {DeadLetterTopic(scenario)}");
        return scenario;
    }
}
