using Microsoft.Extensions.DependencyInjection;

namespace Triggers.Core.Dispatch;

/// <summary>Registers the HTTP dispatcher.</summary>
public static class DispatcherRegistration
{
    public static IServiceCollection AddTriggersDispatcher(this IServiceCollection services) => services;
}
