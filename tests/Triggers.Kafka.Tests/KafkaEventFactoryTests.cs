using System.Text;
using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;
using Triggers.Kafka.Internal;

namespace Triggers.Kafka.Tests;

/// <summary>How a Kafka record becomes the event the function receives.</summary>
public sealed class KafkaEventFactoryTests
{
    private static readonly KafkaSubscriptionPlan Plan = new()
    {
        Key = "shop/orders/audit",
        Trigger = new ResourceKey("shop", "orders"),
        Revision = "1",
        Function = new FunctionEndpoint("shop", "audit", new Uri("http://127.0.0.1:1/")),
        Topics = ["orders"],
        GroupId = "g",
        InitialOffset = AutoOffsetReset.Latest,
        Ordering = KafkaOrdering.Partition,
        MaxInFlight = 1,
        Policy = DeliveryPolicy.Default,
    };

    [Fact]
    public void Carries_Topic_Partition_Offset_Text_Key_And_Record_Headers()
    {
        var headers = new Headers { { "x-tenant", "acme"u8.ToArray() }, { "content-type", "application/cloudevents+json"u8.ToArray() }, { "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"u8.ToArray() } };
        var e = KafkaEventFactory.Create(Record("customer-1"u8.ToArray(), headers), Plan, DateTimeOffset.UnixEpoch);

        Assert.Equal("partition:3/offset:42", e.Id);
        Assert.Equal(KafkaTrigger.EventNamespace, e.EventNamespace);
        Assert.Equal("orders", e.Topic);
        Assert.Equal("/apis/kubeless.io/v1beta1/namespaces/shop/kafkatriggers/orders/topics/orders", e.Source);
        Assert.Equal("application/cloudevents+json", e.ContentType);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", e.TraceParent);
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), e.Time);
        Assert.Equal(
            [new("kafka-partition", "3"), new("kafka-offset", "42"), new("kafka-key", "customer-1"), new("x-tenant", "acme")],
            e.Headers!);
    }

    [Fact]
    public void Binary_Key_And_Header_Values_Travel_Base64_With_A_Marker()
    {
        byte[] key = [0xff, 0x00, 0x10];
        var e = KafkaEventFactory.Create(Record(key, new Headers { { "x-bin", [0xc3, 0x28] } }), Plan, DateTimeOffset.UnixEpoch);

        Assert.Contains(new KeyValuePair<string, string>("kafka-key", Convert.ToBase64String(key)), e.Headers!);
        Assert.Contains(new KeyValuePair<string, string>("kafka-key-encoding", "base64"), e.Headers!);
        Assert.Contains(new KeyValuePair<string, string>("x-bin", Convert.ToBase64String([0xc3, 0x28])), e.Headers!);
        Assert.Contains(new KeyValuePair<string, string>("x-bin-encoding", "base64"), e.Headers!);
    }

    [Fact]
    public void Record_Headers_Cannot_Forge_Contract_Or_Kafka_Headers()
    {
        var headers = new Headers { { "event-id", "forged"u8.ToArray() }, { "ce-id", "forged"u8.ToArray() }, { "kafka-offset", "0"u8.ToArray() }, { "bad name", "x"u8.ToArray() } };
        var skipped = new List<string>();
        var e = KafkaEventFactory.Create(Record(null, headers), Plan, DateTimeOffset.UnixEpoch, skipped.Add);

        Assert.Equal([new("kafka-partition", "3"), new("kafka-offset", "42")], e.Headers!);
        Assert.Equal(["bad name"], skipped);
    }

    private static ConsumeResult<byte[], byte[]> Record(byte[]? key, Headers headers) => new()
    {
        Topic = "orders",
        Partition = 3,
        Offset = 42,
        Message = new Message<byte[], byte[]>
        {
            Key = key!,
            Value = Encoding.UTF8.GetBytes("{\"id\":1}"),
            Headers = headers,
            Timestamp = new Timestamp(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc)),
        },
    };
}
