namespace Triggers.Core.Reconcile;

/// <summary>Readiness of the control path: first full sync done and every valid trigger running.</summary>
public sealed class ReconcilerState
{
    private readonly SemaphoreSlim _fullPass = new(0);
    private volatile bool _ready;
    private volatile string _detail = "waiting for the first full sync of resources";
    private int _fullPassRequested;

    public bool IsReady => _ready;

    public string Detail => _detail;

    /// <summary>
    /// Asks the reconciler for a pass that starts every wanted subscription again, as if none ran
    /// (a set that stopped its work on its own, e.g. on lost leadership, gets it all back this way,
    /// and a start that fails then is reported on its trigger's condition).
    /// </summary>
    public void RequestFullPass()
    {
        if (Interlocked.Exchange(ref _fullPassRequested, 1) == 0)
        {
            _fullPass.Release();
        }
    }

    internal bool TakeFullPassRequest() => Interlocked.Exchange(ref _fullPassRequested, 0) == 1;

    internal Task WaitForFullPassRequestAsync(CancellationToken cancellationToken) => _fullPass.WaitAsync(cancellationToken);

    internal void Set(bool ready, string detail)
    {
        _ready = ready;
        _detail = detail;
    }
}
