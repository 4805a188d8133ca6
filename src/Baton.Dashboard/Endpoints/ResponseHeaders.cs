using Microsoft.AspNetCore.Http;

namespace Baton.Dashboard.Endpoints;

/// <summary>
/// The headers of every dashboard response. Lock names and member ids come from whoever can take a lock, so the page
/// treats them as text, and the policy forbids what an injected string could use: inline script, other origins,
/// framing, form posts.
/// </summary>
internal static class ResponseHeaders
{
    /// <summary>The Content-Security-Policy: the page's own script, style and connections, nothing inline, nothing else.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Sets the security headers and forbids caching (the content is live).</summary>
    public static void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
    }
}
