using Microsoft.Extensions.DependencyInjection;

namespace Baton.Hosting;

/// <summary>The <see cref="IBatonBuilder"/> of one connection.</summary>
internal sealed class BatonBuilder(IServiceCollection services, BatonRegistration registration) : IBatonBuilder
{
    public string Name => Registration.Name;

    public IServiceCollection Services { get; } = services;

    public BatonRegistration Registration { get; } = registration;

    /// <summary>The connection this builder configures, as the container resolves it.</summary>
    public static BatonConnection ConnectionOf(IServiceProvider services, BatonRegistration registration) =>
        registration.IsDefault
            ? services.GetRequiredService<BatonConnection>()
            : services.GetRequiredKeyedService<BatonConnection>(registration.Name);
}
