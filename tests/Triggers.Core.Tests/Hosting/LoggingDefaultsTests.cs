using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Triggers.Core.Hosting;
using Triggers.Core.Resources;

namespace Triggers.Core.Tests.Hosting;

/// <summary>Probes and per-request logs stay quiet by default (three lines per /readyz probe before) and can be turned back on.</summary>
public sealed class LoggingDefaultsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-logging-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static WebApplication Build(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new NullProvider());
        builder.AddTriggersDefaults(ResourceKind.NatsTrigger, "test");
        return builder.Build();
    }

    /// <summary>A provider whose loggers accept every level, so only the filter rules decide.</summary>
    private sealed class NullProvider : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task Request_And_Probe_Logging_Is_At_Warning_By_Default()
    {
        await using var app = Build("--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={_folder}", "--Logging:LogLevel:Default=Information");
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Routing.EndpointMiddleware").IsEnabled(LogLevel.Information));
        Assert.False(loggers.CreateLogger("System.Net.Http.HttpClient.dispatcher.LogicalHandler").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Triggers.Core.Reconcile.TriggerReconciler").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public async Task An_Operator_Setting_Wins_Over_The_Default()
    {
        await using var app = Build("--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={_folder}", "--Logging:LogLevel:Microsoft.AspNetCore=Information");
        var loggers = app.Services.GetRequiredService<ILoggerFactory>();

        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
    }
}
