namespace Triggers.Cron.Internal;

/// <summary>One call to a function in flight, cancellable by Replace, removal or shutdown.</summary>
internal sealed class CronRun(CancellationToken stopping) : IDisposable
{
    private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    public CancellationToken Token => _cts.Token;

    public Task Completion => _completion.Task;

    public bool IsCompleted => _completion.Task.IsCompleted;

    public void Start(Func<Task> work) => _ = Task.Run(work, CancellationToken.None);

    public void Cancel()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _completion.TrySetResult();
            _cts.Dispose();
        }
    }
}
