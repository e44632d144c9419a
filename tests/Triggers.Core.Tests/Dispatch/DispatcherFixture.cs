using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;

namespace Triggers.Core.Tests.Dispatch;

/// <summary>A dispatcher built the way the workers build it, with delivery defaults a test can change.</summary>
internal sealed class DispatcherHost : IDisposable
{
    private readonly ServiceProvider _services;

    /// <param name="configure">Changes the delivery defaults.</param>
    /// <param name="handler">Another delivery handler than DeliveryHandler (the benchmark's Polly.Core one).</param>
    /// <param name="time">The clock of retries, breaker and per-attempt timeouts (a fake one in tests of time).</param>
    public DispatcherHost(Action<DeliveryOptions>? configure = null, DeliveryHandlerFactory? handler = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        services.AddLogging();
        var options = new TriggersOptions();
        configure?.Invoke(options.Delivery);
        services.AddSingleton(Options.Create(options));
        if (handler is not null)
        {
            services.AddSingleton(handler);
        }

        services.AddTriggersDispatcher();
        _services = services.BuildServiceProvider();
        Dispatcher = _services.GetRequiredService<IEventDispatcher>();
    }

    public IEventDispatcher Dispatcher { get; }

    public void Dispose() => _services.Dispose();
}
