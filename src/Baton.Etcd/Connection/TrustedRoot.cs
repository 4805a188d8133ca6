using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Baton.Etcd.Connection;

/// <summary>
/// <c>?cacert=PATH</c>: the cluster's certificates are checked against that CA alone (a private CA, as etcd
/// clusters usually have), with the host name checked as always; the system's roots are not consulted.
/// </summary>
internal static class TrustedRoot
{
    public static SslClientAuthenticationOptions Options(string path)
    {
        X509Certificate2 root;
        try
        {
            root = X509Certificate2.CreateFromPem(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"The etcd cacert '{path}' is not a readable PEM certificate: {e.Message}", nameof(path), e);
        }

        return new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(root);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            },
        };
    }
}
