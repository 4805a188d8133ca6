using System.Diagnostics.CodeAnalysis;
using Baton.Hosting;
using Baton.Hosting.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>What runs on a Baton connection: leader services, group memberships, the health check.</summary>
public static class BatonBuilderExtensions
{
    /// <summary>
    /// Adds <typeparamref name="TService"/> as a hosted service that campaigns in <paramref name="election"/> on this
    /// connection and runs its work only while leading (see <see cref="LeaderService"/>). It is also a singleton, so
    /// the application can inject it to ask <see cref="LeaderService.IsLeader"/>.
    /// </summary>
    /// <typeparam name="TService">The leader service; one registration per type.</typeparam>
    /// <param name="builder">The connection's builder.</param>
    /// <param name="election">The election's name: the exclusive lock of that name on the backend.</param>
    /// <param name="configure">Sets its retry delays; null for the defaults. Named options, named after the type's full name.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException">The election name is not valid.</exception>
    /// <exception cref="InvalidOperationException">The type is already registered as a leader service.</exception>
    public static IBatonBuilder AddLeaderService<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TService>(
        this IBatonBuilder builder, string election, Action<LeaderServiceOptions>? configure = null)
        where TService : LeaderService
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (NameRules.Problem(election) is { } problem)
        {
            throw new ArgumentException($"The election name {problem}", nameof(election));
        }

        var registration = RegistrationOf(builder);
        if (BatonRegistration.All(builder.Services).Any(static r => r.LeaderServices.Contains(typeof(TService))))
        {
            throw new InvalidOperationException(
                $"{typeof(TService).Name} is already registered as a leader service; one instance campaigns in one election (derive another type for another election).");
        }

        registration.LeaderServices.Add(typeof(TService));
        var optionsName = OptionsNameOf(typeof(TService));
        var options = builder.Services.AddOptions<LeaderServiceOptions>(optionsName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LeaderServiceOptions>, LeaderServiceOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<TService>();
        builder.Services.AddSingleton<IHostedService>(sp =>
        {
            var service = sp.GetRequiredService<TService>();
            service.Bind(new LeaderServiceBinding(
                election,
                optionsName,
                sp.GetRequiredService<IOptionsMonitor<LeaderServiceOptions>>(),
                BatonBuilder.ConnectionOf(sp, registration),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
            return service;
        });
        return builder;
    }

    /// <summary>
    /// Adds a hosted <see cref="GroupMembershipService"/> that keeps this instance a member of <paramref name="group"/>
    /// on this connection and keeps a hash ring of its members. Inject it as <c>GroupMembershipService</c> (the first
    /// group added) or <c>[FromKeyedServices("group")] GroupMembershipService</c>.
    /// </summary>
    /// <param name="builder">The connection's builder.</param>
    /// <param name="group">The group's name; one registration per group in a host.</param>
    /// <param name="configure">Sets member id, capabilities and retry delays; null for the defaults. Named options, named after the group.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException">The group name is not valid.</exception>
    /// <exception cref="InvalidOperationException">The group is already registered.</exception>
    public static IBatonBuilder AddGroupMembership(this IBatonBuilder builder, string group, Action<GroupMembershipOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (NameRules.Problem(group) is { } problem)
        {
            throw new ArgumentException($"The group name {problem}", nameof(group));
        }

        var registration = RegistrationOf(builder);
        if (builder.Services.Any(d => d.IsKeyedService && d.ServiceType == typeof(GroupMembershipService) && Equals(d.ServiceKey, group)))
        {
            throw new InvalidOperationException($"The group '{group}' is already registered; a host is one member of a group.");
        }

        var options = builder.Services.AddOptions<GroupMembershipOptions>(group);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GroupMembershipOptions>, GroupMembershipOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(group, (sp, _) => new GroupMembershipService(
            group,
            BatonBuilder.ConnectionOf(sp, registration),
            sp.GetRequiredService<IOptionsMonitor<GroupMembershipOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance));
        builder.Services.TryAddSingleton(sp => sp.GetRequiredKeyedService<GroupMembershipService>(group));
        builder.Services.AddSingleton<IHostedService>(sp => sp.GetRequiredKeyedService<GroupMembershipService>(group));
        return builder;
    }

    /// <summary>
    /// Adds a health check of this connection's backend (see <see cref="BatonHealthChecksBuilderExtensions.AddBaton"/>):
    /// healthy when it answers a cheap read within <paramref name="timeout"/>.
    /// </summary>
    /// <param name="builder">The connection's builder.</param>
    /// <param name="name">The check's name; default <c>baton</c>, or <c>baton-KEY</c> for a keyed connection.</param>
    /// <param name="failureStatus">Reported when the backend does not answer; default <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter checks by (such as <c>ready</c>).</param>
    /// <param name="timeout">How long the backend may take to answer; default 5 seconds.</param>
    /// <returns>The same builder.</returns>
    public static IBatonBuilder AddHealthCheck(
        this IBatonBuilder builder, string? name = null, HealthStatus? failureStatus = null, IEnumerable<string>? tags = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddHealthChecks().AddBaton(builder.Name.Length == 0 ? null : builder.Name, name, failureStatus, tags, timeout);
        return builder;
    }

    /// <summary>The name of a leader service's <see cref="LeaderServiceOptions"/>: its type's full name.</summary>
    internal static string OptionsNameOf(Type service) => service.FullName ?? service.Name;

    private static BatonRegistration RegistrationOf(IBatonBuilder builder) =>
        builder is BatonBuilder own
            ? own.Registration
            : BatonRegistration.Find(builder.Services, builder.Name)
                ?? throw new InvalidOperationException($"No Baton connection named '{builder.Name}' is registered; start from services.AddBaton(…).");
}
