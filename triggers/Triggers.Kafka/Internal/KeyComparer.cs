namespace Triggers.Kafka.Internal;

/// <summary>Key lanes compare record keys by content, without turning every key into a string.</summary>
internal sealed class KeyComparer : IEqualityComparer<byte[]>
{
    public static readonly KeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj)
    {
        var hash = default(HashCode);
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }
}
