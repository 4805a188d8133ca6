namespace Baton.Hosting;

/// <summary>
/// What <c>AddBaton</c> registered under one options name, kept in the service collection so that a second call for
/// the same name adds to the first instead of registering everything twice, and so that the validator can name the
/// configuration keys the options came from.
/// </summary>
internal sealed class BatonRegistration(string name)
{
    /// <summary>The options name: <see cref="Microsoft.Extensions.Options.Options.DefaultName"/>, or the service key of a keyed connection.</summary>
    public string Name { get; } = name;

    /// <summary>True for the unkeyed connection, registered by <c>AddBaton</c>.</summary>
    public bool IsDefault => Name.Length == 0;

    /// <summary>
    /// The path of the configuration the options were bound from (such as <c>Baton</c>; empty for a configuration
    /// root), or null when they were set in code.
    /// </summary>
    public string? SectionPath { get; set; }

    /// <summary>The leader services registered on this connection, so that one type is not registered twice.</summary>
    public HashSet<Type> LeaderServices { get; } = [];

    /// <summary>How a validation message names a property: <c>Baton:BackendUrl</c> when bound, <c>BatonOptions.BackendUrl</c> otherwise.</summary>
    public string KeyOf(string property) => SectionPath switch
    {
        null => IsDefault ? $"{nameof(BatonOptions)}.{property}" : $"{nameof(BatonOptions)}['{Name}'].{property}",
        "" => property,
        var path => $"{path}:{property}",
    };

    /// <summary>The registration of <paramref name="name"/> in <paramref name="services"/>, or null when there is none yet.</summary>
    public static BatonRegistration? Find(Microsoft.Extensions.DependencyInjection.IServiceCollection services, string name) =>
        services.Select(static d => d.ServiceType == typeof(BatonRegistration) && !d.IsKeyedService ? d.ImplementationInstance as BatonRegistration : null)
            .FirstOrDefault(r => r is not null && string.Equals(r.Name, name, StringComparison.Ordinal));

    /// <summary>Every registration in <paramref name="services"/>.</summary>
    public static IEnumerable<BatonRegistration> All(Microsoft.Extensions.DependencyInjection.IServiceCollection services) =>
        services.Select(static d => d.ServiceType == typeof(BatonRegistration) && !d.IsKeyedService ? d.ImplementationInstance as BatonRegistration : null)
            .OfType<BatonRegistration>();
}
