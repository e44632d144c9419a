namespace Triggers.Core.Tests.Kubernetes;

/// <summary>Polls a condition until it holds or a generous deadline passes; never a fixed sleep.</summary>
internal static class Wait
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? Deadline);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Timed out waiting until {what}");
            }

            await Task.Delay(20);
        }
    }

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? Deadline);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Timed out waiting until {what}");
            }

            await Task.Delay(20);
        }
    }
}
