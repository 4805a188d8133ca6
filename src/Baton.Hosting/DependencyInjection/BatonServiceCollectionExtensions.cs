using Baton.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Baton to a host's services: a <see cref="BatonConnection"/> with options validated at start.</summary>
public static class BatonServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="BatonConnection"/> to <paramref name="backendUrl"/>. Calling it again adds to the same
    /// registration (the last value set wins), as options do.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="backendUrl">The backend URL, such as <c>redis://host:6379</c>; checked when the host starts.</param>
    /// <param name="configure">Sets the other options (member id, timeouts); null for the defaults.</param>
    /// <returns>A builder to add leader services, group memberships and the health check on this connection.</returns>
    public static IBatonBuilder AddBaton(this IServiceCollection services, string backendUrl, Action<BatonOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(backendUrl);
        return Configure(Register(services, Options.Options.DefaultName), backendUrl, configure);
    }

    /// <summary>
    /// Adds the <see cref="BatonConnection"/> configured by <paramref name="configuration"/>, usually
    /// <c>builder.Configuration.GetSection("Baton")</c> (see <see cref="BatonOptions.DefaultSectionName"/>). Validation
    /// messages name the keys of that section.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The section to bind <see cref="BatonOptions"/> from.</param>
    /// <returns>A builder to add leader services, group memberships and the health check on this connection.</returns>
    public static IBatonBuilder AddBaton(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        return Bind(Register(services, Options.Options.DefaultName), configuration);
    }

    /// <summary>
    /// Adds a further, named connection, for a host that talks to more than one backend: the
    /// <see cref="BatonConnection"/> is a keyed service (<c>[FromKeyedServices("orders")]</c>) and its options are the
    /// named options of the same name.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="serviceKey">The connection's name; not empty (the unnamed connection is <c>AddBaton</c>'s).</param>
    /// <param name="backendUrl">The backend URL; checked when the host starts.</param>
    /// <param name="configure">Sets the other options; null for the defaults.</param>
    /// <returns>A builder to add leader services, group memberships and the health check on this connection.</returns>
    public static IBatonBuilder AddKeyedBaton(this IServiceCollection services, string serviceKey, string backendUrl, Action<BatonOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(serviceKey);
        ArgumentNullException.ThrowIfNull(backendUrl);
        return Configure(Register(services, serviceKey), backendUrl, configure);
    }

    /// <summary>Adds a further, named connection configured by <paramref name="configuration"/> (see <see cref="AddKeyedBaton(IServiceCollection, string, string, Action{BatonOptions}?)"/>).</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="serviceKey">The connection's name; not empty.</param>
    /// <param name="configuration">The section to bind <see cref="BatonOptions"/> from.</param>
    /// <returns>A builder to add leader services, group memberships and the health check on this connection.</returns>
    public static IBatonBuilder AddKeyedBaton(this IServiceCollection services, string serviceKey, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(serviceKey);
        ArgumentNullException.ThrowIfNull(configuration);
        return Bind(Register(services, serviceKey), configuration);
    }

    private static BatonBuilder Configure(BatonBuilder builder, string backendUrl, Action<BatonOptions>? configure)
    {
        builder.Services.Configure<BatonOptions>(builder.Name, options =>
        {
            options.BackendUrl = backendUrl;
            configure?.Invoke(options);
        });
        return builder;
    }

    private static BatonBuilder Bind(BatonBuilder builder, IConfiguration configuration)
    {
        builder.Registration.SectionPath = configuration is IConfigurationSection section ? section.Path : string.Empty;
        builder.Services.Configure<BatonOptions>(builder.Name, configuration);
        return builder;
    }

    // Everything but the options' values, once per name.
    private static BatonBuilder Register(IServiceCollection services, string name)
    {
        if (BatonRegistration.Find(services, name) is { } existing)
        {
            return new BatonBuilder(services, existing);
        }

        var registration = new BatonRegistration(name);
        services.AddSingleton(registration);
        services.AddOptions<BatonOptions>(name).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BatonOptions>>(new BatonOptionsValidator(registration));
        services.TryAddSingleton(TimeProvider.System);
        if (registration.IsDefault)
        {
            services.TryAddSingleton(sp => CreateConnection(sp, name));
        }
        else
        {
            services.TryAddKeyedSingleton(name, (sp, _) => CreateConnection(sp, name));
        }

        services.AddSingleton<IHostedService>(sp => new BatonConnectionLifetime(BatonBuilder.ConnectionOf(sp, registration), registration));
        return new BatonBuilder(services, registration);
    }

    private static BatonConnection CreateConnection(IServiceProvider services, string name) =>
        new(name,
            services.GetRequiredService<IOptionsMonitor<BatonOptions>>(),
            services.GetRequiredService<TimeProvider>(),
            services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance);
}
