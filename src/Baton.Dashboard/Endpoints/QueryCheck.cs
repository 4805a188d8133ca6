using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard.Endpoints;

/// <summary>Checks a request's query: only the parameters an endpoint takes, each at most once.</summary>
internal static class QueryCheck
{
    /// <summary>Null when the query is fine; else the problem, for a 400 answer.</summary>
    /// <param name="query">The request's query.</param>
    /// <param name="allowed">The parameters the endpoint takes.</param>
    public static string? Problem(IQueryCollection query, params ReadOnlySpan<string> allowed)
    {
        foreach (var (key, values) in query)
        {
            if (!allowed.Contains(key))
            {
                return allowed.Length == 0
                    ? $"unknown query parameter '{key}': this endpoint takes none."
                    : $"unknown query parameter '{key}': this endpoint takes {string.Join(", ", allowed.ToArray())}.";
            }

            if (values.Count > 1)
            {
                return $"query parameter '{key}' given {values.Count} times; give it once.";
            }
        }

        return null;
    }

    /// <summary>The value of a parameter, or the empty string.</summary>
    public static string Value(IQueryCollection query, string key) => query[key].ToString();
}
