using System.Diagnostics.CodeAnalysis;

namespace Baton.Backends;

/// <summary>Names the <see cref="IBackendProvider"/> of a backend assembly, so the core can load it by scheme.</summary>
/// <param name="providerType">A type implementing <see cref="IBackendProvider"/> with a public parameterless constructor.</param>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class BackendProviderAttribute(
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type providerType) : Attribute
{
    /// <summary>The provider type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type ProviderType { get; } = providerType;
}
