{{/* ---------- names and labels ---------- */}}

{{- define "mes.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every resource name: the release name, plus the chart name unless it contains it. */}}
{{- define "mes.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "mes.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of a component's resources. Call with (dict "root" $ "component" "identity"). */}}
{{- define "mes.componentName" -}}
{{- printf "%s-%s" (include "mes.fullname" .root) (include "mes.dnsName" .component) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* A service's name as Kubernetes names allow it: demo_probe -> demo-probe. (NAME) */}}
{{- define "mes.dnsName" -}}
{{- replace "_" "-" . -}}
{{- end -}}

{{/* The minimal, immutable subset used by selectors. (dict "root" $ "component" NAME) */}}
{{- define "mes.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mes.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ include "mes.dnsName" .component }}
{{- end -}}

{{/* Every standard label. (dict "root" $ "component" NAME) */}}
{{- define "mes.labels" -}}
{{ include "mes.selectorLabels" . }}
app.kubernetes.io/part-of: {{ include "mes.name" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* Labels shared by every pod of the release: what the default-deny NetworkPolicy selects. */}}
{{- define "mes.releaseSelector" -}}
app.kubernetes.io/name: {{ include "mes.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* ---------- the services: `defaults` merged under each enabled entry of `services` ---------- */}}

{{/* Deep merge where the override wins even with false, 0 or "" (mergeOverwrite would drop those).
     (dict "base" MAP "over" MAP) -> YAML */}}
{{- define "mes.merge" -}}
{{- $out := deepCopy .base -}}
{{- range $key, $value := .over -}}
{{- if and (kindIs "map" $value) (kindIs "map" (get $out $key)) -}}
{{- $_ := set $out $key (include "mes.merge" (dict "base" (get $out $key) "over" $value) | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Every enabled service, merged over defaults, with `name` and `callers` added; checks the graph.
     Use: {{ $services := include "mes.services" . | fromYaml }} */}}
{{- define "mes.services" -}}
{{- $all := dict -}}
{{- range $name, $svc := .Values.services -}}
{{- $merged := include "mes.merge" (dict "base" $.Values.defaults "over" $svc) | fromYaml -}}
{{- if $merged.enabled -}}
{{- $_ := set $merged "name" $name -}}
{{- $_ := set $all $name $merged -}}
{{- end -}}
{{- end -}}
{{- range $name, $svc := $all -}}
{{- if $svc.callsEveryService -}}
{{- $grpc := list -}}
{{- range $other, $o := $all -}}
{{- if and (ne $other $name) (eq $o.protocol "grpc") -}}
{{- $grpc = append $grpc $other -}}
{{- end -}}
{{- end -}}
{{- $_ := set $svc "calls" ($grpc | sortAlpha) -}}
{{- end -}}
{{- if and (has "postgresql" ($svc.uses | default list)) (not $svc.database) -}}
{{- $_ := set $svc "database" (dict "secretName" (printf "mes-%s-database" (include "mes.dnsName" $name)) "key" "url") -}}
{{- end -}}
{{- if and (eq $svc.protocol "grpc") (not $svc.clientSecret) -}}
{{- $_ := set $svc "clientSecret" (dict "secretName" (printf "mes-%s-client" (include "mes.dnsName" $name)) "key" "secret") -}}
{{- end -}}
{{- if has "mssante" ($svc.uses | default list) -}}
{{- $tls := $.Values.mssante.tls -}}
{{- $_ := set $svc "secretFiles" (concat ($svc.secretFiles | default list) (list
    (dict "env" "MSSANTE_CA_FILE" "secretName" $tls.secretName "key" $tls.caKey)
    (dict "env" "MSSANTE_TLS_CERT_FILE" "secretName" $tls.secretName "key" $tls.certKey)
    (dict "env" "MSSANTE_TLS_KEY_FILE" "secretName" $tls.secretName "key" $tls.keyKey))) -}}
{{- end -}}
{{- end -}}
{{- range $name, $svc := $all -}}
{{- $callers := list -}}
{{- range $other, $o := $all -}}
{{- if has $name ($o.calls | default list) -}}
{{- $callers = append $callers $other -}}
{{- end -}}
{{- end -}}
{{- $_ := set $svc "callers" $callers -}}
{{- range ($svc.calls | default list) -}}
{{- if not (hasKey $.Values.services .) -}}
{{- fail (printf "services.%s.calls names %q, which is not a service of this chart" $name .) -}}
{{- end -}}
{{- if eq . $name -}}
{{- fail (printf "services.%s.calls names the service itself" $name) -}}
{{- end -}}
{{- end -}}
{{- if and (eq $svc.protocol "grpc") (not $svc.healthService) -}}
{{- fail (printf "services.%s.healthService is required for a gRPC service (the readiness probe names it)" $name) -}}
{{- end -}}
{{- end -}}
{{- toYaml $all -}}
{{- end -}}

{{/* host:port of a service inside the namespace. (dict "root" $ "component" NAME) */}}
{{- define "mes.address" -}}
{{- $protocol := (index .root.Values.services .component).protocol | default .root.Values.defaults.protocol -}}
{{- $port := ternary .root.Values.ports.http .root.Values.ports.grpc (eq $protocol "http") -}}
{{- printf "%s:%d" (include "mes.componentName" .) (int $port) -}}
{{- end -}}

{{/* ---------- environment ---------- */}}

{{/* Non-secret environment of a service, as a YAML map (the ConfigMap's data and the migration
     Job's env). (dict "root" $ "svc" SERVICE) */}}
{{- define "mes.env" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $v := $root.Values -}}
{{- $env := dict
    "SERVICE_NAME" $svc.name
    "METRICS_PORT" (toString (int $v.ports.metrics))
    "LOG_LEVEL" $v.config.logLevel
    "SHUTDOWN_GRACE_SECONDS" (toString $svc.shutdownGraceSeconds) -}}
{{- if or (eq $svc.protocol "grpc") $svc.callsEveryService -}}
{{- /* the services that verify tokens: every gRPC one and the gateway (the portal only carries them) */ -}}
{{- $_ := set $env "TOKEN_ISSUER" $v.config.tokenIssuer -}}
{{- $_ := set $env "TOKEN_AUDIENCE" $v.config.tokenAudience -}}
{{- end -}}
{{- with $v.tracing.otlpEndpoint -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" . -}}
{{- end -}}
{{- if eq $svc.protocol "grpc" -}}
{{- $_ := set $env "GRPC_PORT" (toString (int $v.ports.grpc)) -}}
{{- else -}}
{{- $_ := set $env "HTTP_HOST" "0.0.0.0" -}}
{{- $_ := set $env "HTTP_PORT" (toString (int $v.ports.http)) -}}
{{- end -}}
{{- range ($svc.calls | default list) -}}
{{- $address := include "mes.address" (dict "root" $root "component" .) -}}
{{- if eq ((index $root.Values.services .).protocol | default $v.defaults.protocol) "http" -}}
{{- $_ := set $env (printf "%s_URL" (upper .)) (printf "http://%s" $address) -}}
{{- else -}}
{{- $_ := set $env (printf "%s_ADDR" (upper .)) $address -}}
{{- end -}}
{{- end -}}
{{- if has "s3" ($svc.uses | default list) -}}
{{- $endpoint := $v.s3.endpoint -}}
{{- $secure := $v.s3.secure -}}
{{- if and (not $endpoint) $v.s3.minio.enabled -}}
{{- $endpoint = printf "%s:9000" (include "mes.componentName" (dict "root" $root "component" "minio")) -}}
{{- $secure = false -}}
{{- end -}}
{{- $_ := set $env "S3_ENDPOINT" $endpoint -}}
{{- $_ := set $env "S3_SECURE" (toString $secure) -}}
{{- with $v.s3.region -}}
{{- $_ := set $env "S3_REGION" . -}}
{{- end -}}
{{- $buckets := dict "notifications" $v.s3.lettersBucket "messaging" $v.s3.messagingBucket "exports" $v.s3.exportsBucket -}}
{{- $_ := set $env "S3_BUCKET" (get $buckets $svc.name | default $v.s3.bucket) -}}
{{- end -}}
{{- if and (has "smtp" ($svc.uses | default list)) $v.loadTest.enabled -}}
{{- /* a load-test release: every mail goes to the load kit's sink (templates/tests/loadtest.yaml) */ -}}
{{- $_ := set $env "SMTP_HOST" (include "mes.componentName" (dict "root" $root "component" "loadtest")) -}}
{{- $_ := set $env "SMTP_PORT" (toString (int $v.loadTest.mailPort)) -}}
{{- $_ := set $env "SMTP_STARTTLS" "false" -}}
{{- $_ := set $env "MAIL_FROM" $v.smtp.from -}}
{{- else if has "smtp" ($svc.uses | default list) -}}
{{- $_ := set $env "SMTP_HOST" $v.smtp.host -}}
{{- $_ := set $env "SMTP_PORT" (toString (int $v.smtp.port)) -}}
{{- $_ := set $env "SMTP_STARTTLS" (toString $v.smtp.starttls) -}}
{{- with $v.smtp.username -}}
{{- $_ := set $env "SMTP_USERNAME" . -}}
{{- end -}}
{{- $_ := set $env "MAIL_FROM" $v.smtp.from -}}
{{- end -}}
{{- if has "mssante" ($svc.uses | default list) -}}
{{- $m := $v.mssante -}}
{{- $_ := set $env "MSSANTE_PATIENT_DOMAIN" $m.patientDomain -}}
{{- if $m.listener.enabled -}}
{{- $_ := set $env "MSSANTE_SMTP_PORT" (toString (int $m.listener.port)) -}}
{{- end -}}
{{- with $m.relay.host -}}
{{- $_ := set $env "MSSANTE_RELAY_HOST" . -}}
{{- $_ := set $env "MSSANTE_RELAY_PORT" (toString (int $m.relay.port)) -}}
{{- $_ := set $env "MSSANTE_RELAY_STARTTLS" (toString $m.relay.starttls) -}}
{{- end -}}
{{- end -}}
{{- if eq $svc.name "gateway" -}}
{{- $_ := set $env "MAX_IN_FLIGHT" (toString (int $v.gateway.maxInFlight)) -}}
{{- $_ := set $env "QUEUE_WAIT_SECONDS" (toString $v.gateway.queueWaitSeconds) -}}
{{- $_ := set $env "RATE_LIMIT_PUBLIC_PER_MINUTE" (toString (int $v.gateway.rateLimitPublicPerMinute)) -}}
{{- $_ := set $env "RATE_LIMIT_TOKEN_PER_MINUTE" (toString (int $v.gateway.rateLimitTokenPerMinute)) -}}
{{- end -}}
{{- if eq $svc.name "documents" -}}
{{- $_ := set $env "MATRIX_FILE" (printf "%s/matrix.yaml" (include "mes.matrixDir" $root)) -}}
{{- end -}}
{{- range $svc.secretFiles | default list -}}
{{- $_ := set $env .env (printf "/var/run/secrets/mes/%s/%s" (lower .env | replace "_" "-") .key) -}}
{{- end -}}
{{- range $name, $value := $svc.env | default dict -}}
{{- if hasKey $env $name -}}
{{- fail (printf "services.%s.env.%s is set by the chart itself; use the dedicated value" $svc.name $name) -}}
{{- end -}}
{{- $_ := set $env $name $value -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* Where a gRPC service's client secret is mounted (its Secret `clientSecret`, optional). */}}
{{- define "mes.clientSecretDir" -}}
/var/run/secrets/mes/service-client-secret
{{- end -}}

{{/* Environment variables taken from existing Secrets (never from values). (dict "root" $ "svc" SERVICE) */}}
{{- define "mes.secretEnv" -}}
{{- $v := .root.Values -}}
{{- if .svc.database }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .svc.database.secretName }}
      key: {{ .svc.database.key }}
{{- end }}
{{- range .svc.secretEnv | default list }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .key }}
{{- end }}
{{- if eq .svc.protocol "grpc" }}
- name: SERVICE_CLIENT_SECRET_FILE
  value: {{ printf "%s/%s" (include "mes.clientSecretDir" .) .svc.clientSecret.key | quote }}
{{- end }}
{{- if has "s3" (.svc.uses | default list) }}
- name: S3_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $v.s3.credentials.secretName }}
      key: {{ $v.s3.credentials.accessKeyKey }}
- name: S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $v.s3.credentials.secretName }}
      key: {{ $v.s3.credentials.secretKeyKey }}
{{- end }}
{{- if has "smtp" (.svc.uses | default list) }}
- name: SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.smtp.password.secretName }}
      key: {{ $v.smtp.password.key }}
      optional: true
{{- end }}
{{- end -}}

{{/* ---------- pods ---------- */}}

{{- define "mes.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{/* Pod-level hardening. (uid) */}}
{{- define "mes.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level hardening. */}}
{{- define "mes.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The pod's imagePullSecrets field, or nothing. Use: {{- include "mes.imagePullSecrets" $ | nindent 6 }} */}}
{{- define "mes.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end -}}
{{- end -}}

{{/* ---------- NetworkPolicy peers ---------- */}}

{{/* An egress rule to PEERS on PORTS; no peers = any destination on those ports.
     (dict "to" LIST "ports" LIST-of-(dict port protocol)) */}}
{{- define "mes.egressRule" -}}
- ports:
{{- range .ports }}
    - port: {{ .port }}
      protocol: {{ .protocol | default "TCP" }}
{{- end }}
{{- with .to }}
  to:
{{ toYaml . | indent 4 }}
{{- end }}
{{- end -}}

{{/* Pods of a component of this release, as a NetworkPolicy peer. (dict "root" $ "component" NAME) */}}
{{- define "mes.podPeer" -}}
- podSelector:
    matchLabels:
{{ include "mes.selectorLabels" . | indent 6 }}
{{- end -}}

{{/* ---------- checkov: each check this chart does not satisfy, with its reason ----------
     Rendered only where it applies, as checkov.io/skipN annotations on the workload.
     (dict "image" IMAGE "pullPolicy" POLICY "secretEnv" BOOL) */}}
{{- define "mes.checkovSkips" -}}
{{- $skips := list -}}
{{- if .secretEnv -}}
{{- $skips = append $skips "CKV_K8S_35=the services read DATABASE_URL and other credentials from the environment (meskit.config); they come from secretKeyRef of existing Secrets, never values or ConfigMaps" -}}
{{- end -}}
{{- if not (contains "@sha256:" .image) -}}
{{- $skips = append $skips "CKV_K8S_43=the tag is pinned; a digest is known only when the image is built, set it with image.digest (or the store image value)" -}}
{{- end -}}
{{- if ne .pullPolicy "Always" -}}
{{- $skips = append $skips "CKV_K8S_15=tags are immutable releases or digests, so IfNotPresent pulls the same bytes without making every pod start depend on the registry" -}}
{{- end -}}
{{- range $i, $skip := $skips }}
checkov.io/skip{{ add1 $i }}: {{ $skip | quote }}
{{- end -}}
{{- end -}}

{{/* documents' DMP read matrix (operator data): the mount point, the ConfigMap holding it (the
     operator's existing one, or the chart's), its key, and the text the chart's ConfigMap carries
     (inline content, or the shipped files/matrix.yaml). (the root context) */}}
{{- define "mes.matrixDir" -}}/etc/mes/matrix{{- end -}}
{{- define "mes.matrixConfigMap" -}}
{{- .Values.documents.matrix.configMap | default (include "mes.componentName" (dict "root" . "component" "documents-matrix")) -}}
{{- end -}}
{{- define "mes.matrixKey" -}}
{{- ternary .Values.documents.matrix.key "matrix.yaml" (ne .Values.documents.matrix.configMap "") -}}
{{- end -}}
{{- define "mes.matrixContent" -}}
{{- .Values.documents.matrix.content | default (.Files.Get "files/matrix.yaml") -}}
{{- end -}}
