{{/*
Names, labels and the shared bodies of the chart's templates. Each template file loops over `.Values.services`
(or renders one object) and asks these for the parts.
*/}}

{{- define "shop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* The prefix of every resource name: the release name, plus the chart's name unless it is in it already. */}}
{{- define "shop.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one part of the release: (dict "root" $ "component" "users") -> shop-users */}}
{{- define "shop.componentName" -}}
{{- printf "%s-%s" (include "shop.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: the part's name and the release, never the chart's version. */}}
{{- define "shop.selectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-%s" (include "shop.name" .root) .component | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* Every label of a part: (dict "root" $ "component" "users" "role" "api") */}}
{{- define "shop.labels" -}}
{{ include "shop.selectorLabels" . }}
app.kubernetes.io/component: {{ .role }}
app.kubernetes.io/part-of: {{ include "shop.name" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/*
Deep merge of two maps as YAML: (dict "base" $defaults "over" $entry). Maps merge key by key; anything else in
`over` wins, false and "" included (sprig's merge functions skip those, which would make `enabled: false` in a
service's block mean nothing).
*/}}
{{- define "shop.merge" -}}
{{- $out := deepCopy .base -}}
{{- range $key, $value := .over -}}
{{- $current := index $out $key -}}
{{- if and (kindIs "map" $value) (kindIs "map" $current) -}}
{{- $_ := set $out $key (include "shop.merge" (dict "base" $current "over" $value) | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* One entry of `services:` with the defaults under it, plus its `name`: (dict "root" $ "name" "users") -> YAML */}}
{{- define "shop.service" -}}
{{- $entry := index .root.Values.services .name | default dict -}}
{{- $svc := include "shop.merge" (dict "base" .root.Values.defaults "over" $entry) | fromYaml -}}
{{- $_ := set $svc "name" .name -}}
{{- toYaml $svc -}}
{{- end -}}

{{/* The names of the enabled services, sorted, as a YAML list. */}}
{{- define "shop.enabledServices" -}}
{{- $names := list -}}
{{- range $name, $_ := .Values.services -}}
{{- $svc := include "shop.service" (dict "root" $ "name" $name) | fromYaml -}}
{{- if $svc.enabled -}}
{{- $names = append $names $name -}}
{{- end -}}
{{- end -}}
{{- toYaml (sortAlpha $names) -}}
{{- end -}}

{{/* The image of a service: (dict "root" $ "image" $svc.image) */}}
{{- define "shop.image" -}}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The public URL of the storefront, for links in emails. */}}
{{- define "shop.publicUrl" -}}
{{- if .Values.publicUrl -}}
{{- .Values.publicUrl -}}
{{- else if and .Values.ingress.enabled .Values.ingress.host -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- else -}}
http://localhost:8000
{{- end -}}
{{- end -}}

{{/*
A generated secret value that outlives upgrades: the value already in the cluster's Secret when there is one
(`lookup`), else a new random one. (dict "root" $ "secret" "shop-redis" "key" "password")
*/}}
{{- define "shop.keptSecret" -}}
{{- $found := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- if and $found $found.data (hasKey $found.data .key) -}}
{{- index $found.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 40 -}}
{{- end -}}
{{- end -}}

{{/*
The PEM public key of a P-256 private key made by `genPrivateKey "ecdsa"` (Go's SEC 1 encoding: always 121 bytes,
ending with the 65-byte public point). Helm has no function for it, so the SubjectPublicKeyInfo is assembled by
hand: the fixed DER header of an id-ecPublicKey/prime256v1 key, then the point.
*/}}
{{- define "shop.ecPublicKey" -}}
{{- $der := . | replace "-----BEGIN EC PRIVATE KEY-----" "" | replace "-----END EC PRIVATE KEY-----" "" | nospace | b64dec -}}
{{- if ne (len $der) 121 -}}
{{- fail "the JWT private key in the cluster is not a P-256 key made by this chart; set jwt.existingSecret" -}}
{{- end -}}
{{- $spki := printf "%s%s" ("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgA=" | b64dec) (substr 56 121 $der) | b64enc -}}
-----BEGIN PUBLIC KEY-----
{{ substr 0 64 $spki }}
{{ substr 64 (len $spki) $spki }}
-----END PUBLIC KEY-----
{{ end -}}

{{/* Where each secret a pod may read lives: "secret/key". */}}
{{- define "shop.jwtPrivateKeyRef" -}}
{{- if .Values.jwt.existingSecret -}}
{{ .Values.jwt.existingSecret }}/private.pem
{{- else -}}
{{ include "shop.componentName" (dict "root" . "component" "jwt-signing") }}/private.pem
{{- end -}}
{{- end -}}

{{- define "shop.jwtPublicKeyRef" -}}
{{- if .Values.jwt.existingSecret -}}
{{ .Values.jwt.existingSecret }}/public.pem
{{- else -}}
{{ include "shop.componentName" (dict "root" . "component" "jwt-public") }}/public.pem
{{- end -}}
{{- end -}}

{{- define "shop.serviceTokenRef" -}}
{{- if .Values.serviceToken.existingSecret -}}
{{ .Values.serviceToken.existingSecret }}/token
{{- else -}}
{{ include "shop.componentName" (dict "root" . "component" "service-token") }}/token
{{- end -}}
{{- end -}}

{{- define "shop.redisUrlRef" -}}
{{- if .Values.redis.existingSecret -}}
{{ .Values.redis.existingSecret }}/{{ .Values.redis.existingSecretKey }}
{{- else -}}
{{ include "shop.componentName" (dict "root" . "component" "redis") }}/url
{{- end -}}
{{- end -}}

{{/* (dict "root" $ "svc" $svc) */}}
{{- define "shop.databaseUrlRef" -}}
{{- if .svc.database.existingSecret -}}
{{ .svc.database.existingSecret }}/{{ .svc.database.existingSecretKey }}
{{- else -}}
{{ include "shop.componentName" (dict "root" .root "component" (printf "%s-postgres" .svc.name)) }}/url
{{- end -}}
{{- end -}}

{{/*
The secrets a service's container reads, as a projected volume mounted at /var/run/secrets/shop: each becomes a
file the kit reads through SHOP_<NAME>_FILE, never an environment variable. (dict "root" $ "svc" $svc)
*/}}
{{- define "shop.secretFiles" -}}
{{- $files := dict -}}
{{- if ne .svc.kind "web" -}}
{{- $_ := set $files "redis-url" (include "shop.redisUrlRef" .root) -}}
{{- $_ := set $files "service-token" (include "shop.serviceTokenRef" .root) -}}
{{- end -}}
{{- if eq .svc.kind "api" -}}
{{- $_ := set $files "jwt-public-key" (include "shop.jwtPublicKeyRef" .root) -}}
{{- end -}}
{{- if and (eq .svc.kind "api") .svc.signsTokens -}}
{{- $_ := set $files "jwt-private-key" (include "shop.jwtPrivateKeyRef" .root) -}}
{{- end -}}
{{- if .svc.database.enabled -}}
{{- $_ := set $files "database-url" (include "shop.databaseUrlRef" .) -}}
{{- end -}}
{{- if and .svc.sendsMail .root.Values.smtp.existingSecret -}}
{{- $_ := set $files "smtp-password" (printf "%s/%s" .root.Values.smtp.existingSecret .root.Values.smtp.existingSecretKey) -}}
{{- else if and .svc.sendsMail .root.Values.smtp.password -}}
{{- $_ := set $files "smtp-password" (printf "%s/password" (include "shop.componentName" (dict "root" .root "component" "smtp"))) -}}
{{- end -}}
{{- if .svc.takesPayments -}}
{{- $payments := .root.Values.payments -}}
{{- if eq $payments.provider "stripe" -}}
{{- $_ := set $files "stripe-secret-key" (printf "%s/%s" $payments.stripe.existingSecret $payments.stripe.secretKeyKey) -}}
{{- $_ := set $files "stripe-webhook-secret" (printf "%s/%s" $payments.stripe.existingSecret $payments.stripe.webhookSecretKey) -}}
{{- else if eq $payments.provider "sandbox" -}}
{{- $_ := set $files "payments-sandbox-webhook-secret" (printf "%s/webhook-secret" (include "shop.componentName" (dict "root" .root "component" "payments-sandbox"))) -}}
{{- end -}}
{{- end -}}
{{- toYaml $files -}}
{{- end -}}

{{/* (dict "root" $ "svc" $svc) -> the `volumes` entry of a service's secret files */}}
{{- define "shop.secretsVolume" -}}
{{- $files := include "shop.secretFiles" . | fromYaml -}}
{{- if $files }}
- name: secrets
  projected:
    defaultMode: 0440
    sources:
      {{- range $file := keys $files | sortAlpha }}
      {{- $ref := splitn "/" 2 (index $files $file) }}
      - secret:
          name: {{ $ref._0 }}
          items:
            - key: {{ $ref._1 }}
              path: {{ $file }}
      {{- end }}
{{- end }}
{{- end -}}

{{/* (dict "root" $ "svc" $svc) -> SHOP_<NAME>_FILE variables for the files above */}}
{{- define "shop.secretEnv" -}}
{{- $files := include "shop.secretFiles" . | fromYaml -}}
{{- range $file := keys $files | sortAlpha }}
- name: SHOP_{{ $file | upper | replace "-" "_" }}_FILE
  value: /var/run/secrets/shop/{{ $file }}
{{- end }}
{{- end -}}

{{/*
The environment of a service's containers (the kit's settings; the gateway's entry script reads SHOP_PORT,
SHOP_<SERVICE>_URL and SHOP_REAL_IP_FROM). (dict "root" $ "svc" $svc)
*/}}
{{- define "shop.env" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- if eq $svc.kind "web" }}
- name: SHOP_PORT
  value: {{ $svc.port | int | quote }}
- name: SHOP_REAL_IP_FROM
  value: {{ join " " $root.Values.trustedProxies | quote }}
{{- else }}
- name: SHOP_ENV
  value: production
- name: SHOP_LOG_LEVEL
  value: {{ $svc.logLevel | quote }}
- name: SHOP_LOG_FORMAT
  value: json
# the shop as shoppers reach it: every link a service makes (pages, redirects, emails) starts with it, never
# with the Host a request names
- name: SHOP_SHOP_URL
  value: {{ include "shop.publicUrl" $root | quote }}
{{- end }}
{{- if eq $svc.kind "api" }}
- name: SHOP_PORT
  value: {{ $svc.port | int | quote }}
- name: SHOP_WORKERS
  value: {{ $svc.gunicorn.workers | int | quote }}
- name: SHOP_THREADS
  value: {{ $svc.gunicorn.threads | int | quote }}
- name: SHOP_TIMEOUT
  value: {{ $svc.gunicorn.timeout | int | quote }}
- name: SHOP_GRACEFUL_TIMEOUT
  value: {{ $svc.gunicorn.gracefulTimeout | int | quote }}
# one proxy in front: the gateway (only it and the services that call this one may reach the pods, see the
# network policies), which passes on the client's address it believes
- name: SHOP_TRUSTED_PROXIES
  value: "1"
- name: SHOP_FORWARDED_ALLOW_IPS
  value: "*"
- name: SHOP_JWT_ALGORITHM
  value: {{ $root.Values.jwt.algorithm | quote }}
{{- end }}
{{- range $callee := $svc.calls }}
{{- $other := include "shop.service" (dict "root" $root "name" $callee) | fromYaml }}
- name: SHOP_{{ $callee | upper | replace "-" "_" }}_URL
  value: {{ printf "http://%s:%d" (include "shop.componentName" (dict "root" $root "component" $callee)) ($other.port | int) | quote }}
{{- end }}
{{- if $svc.sendsMail }}
- name: SHOP_SMTP_HOST
  value: {{ $root.Values.smtp.host | quote }}
- name: SHOP_SMTP_PORT
  value: {{ $root.Values.smtp.port | int | quote }}
- name: SHOP_SMTP_SECURITY
  value: {{ $root.Values.smtp.security | quote }}
- name: SHOP_SMTP_USERNAME
  value: {{ $root.Values.smtp.username | quote }}
- name: SHOP_MAIL_FROM
  value: {{ $root.Values.smtp.from | quote }}
{{- end }}
{{- if $svc.takesPayments }}
{{- $payments := $root.Values.payments }}
- name: SHOP_PAYMENTS_PROVIDER
  value: {{ $payments.provider | quote }}
- name: SHOP_PAYMENTS_SANDBOX_IN_PRODUCTION
  value: {{ $payments.sandboxInProduction | toString | quote }}
- name: SHOP_PAYMENTS_SESSION_MINUTES
  value: {{ $payments.sessionMinutes | toString | quote }}
{{- if eq $payments.provider "sandbox" }}
{{- $gateway := include "shop.gateway" $root | fromYaml }}
# the sandbox posts its signed events through the front door, as Stripe's come, but from inside the cluster:
# to the gateway's Service (the public URL is the ingress controller's, which no pod of the shop may reach)
- name: SHOP_PAYMENTS_SANDBOX_WEBHOOK_URL
  value: {{ printf "http://%s:%d/api/payments/webhooks/sandbox/" (include "shop.componentName" (dict "root" $root "component" $gateway.name)) ($gateway.port | int) | quote }}
{{- end }}
{{- end }}
{{- include "shop.secretEnv" . }}
{{- range $name := keys $svc.env | sortAlpha }}
- name: {{ $name }}
  value: {{ tpl (toString (index $svc.env $name)) $root | quote }}
{{- end }}
{{- end -}}

{{/* The volumes every service's pod mounts: a writable /tmp and its secret files. */}}
{{- define "shop.podVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .svc.tmpSizeLimit }}
{{- include "shop.secretsVolume" . }}
{{- end -}}

{{- define "shop.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "shop.secretFiles" . | fromYaml }}
- name: secrets
  mountPath: /var/run/secrets/shop
  readOnly: true
{{- end }}
{{- end -}}

{{/* The body of a service's pod: (dict "root" $ "svc" $svc) */}}
{{- define "shop.podSpec" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
serviceAccountName: {{ include "shop.componentName" (dict "root" $root "component" $svc.name) }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml $svc.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: {{ $svc.terminationGracePeriodSeconds | int }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if and (eq $svc.kind "api") $svc.database.enabled }}
initContainers:
  # Brings the schema up to date before the service starts. It matters on a first install with the chart's own
  # Postgres (no hook can run before that database exists); otherwise the hook Job has done it and this finds
  # the schema at head within a second or two. Concurrent runs are safe: Postgres runs the migration in one
  # transaction, a run that loses the race fails and is tried again.
  - name: migrate
    image: {{ include "shop.image" (dict "root" $root "image" $svc.image) }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    command: {{ include "shop.migrateCommand" $svc | trim | nindent 6 }}
    env:
      {{- include "shop.env" . | nindent 6 }}
      - name: SHOP_BACKGROUND
        value: "false"
    securityContext:
      {{- toYaml $svc.securityContext | nindent 6 }}
    resources:
      {{- toYaml $svc.resources | nindent 6 }}
    volumeMounts:
      {{- include "shop.volumeMounts" . | nindent 6 }}
{{- end }}
containers:
  - name: {{ $svc.name }}
    image: {{ include "shop.image" (dict "root" $root "image" $svc.image) }}
    imagePullPolicy: {{ $root.Values.image.pullPolicy }}
    env:
      {{- include "shop.env" . | nindent 6 }}
    {{- if eq $svc.kind "worker" }}
    # the worker answers no HTTP: its heartbeat (a file it touches whenever RQ heartbeats, also while a job
    # runs) must be fresh, else it is hung or gone and the pod is restarted
    livenessProbe:
      exec:
        command: {{ include "shop.workerAliveCommand" $svc | trim | nindent 10 }}
      initialDelaySeconds: 30
      periodSeconds: 30
      timeoutSeconds: 10
      failureThreshold: 3
    {{- else }}
    ports:
      - name: http
        containerPort: {{ $svc.port | int }}
        protocol: TCP
    {{- $ready := ternary "/readyz" "/healthz" (eq $svc.kind "api") }}
    startupProbe:
      httpGet:
        path: {{ $ready }}
        port: http
      periodSeconds: 2
      timeoutSeconds: 2
      failureThreshold: 60
    readinessProbe:
      httpGet:
        path: {{ $ready }}
        port: http
      periodSeconds: 10
      timeoutSeconds: 3
      failureThreshold: 3
    livenessProbe:
      httpGet:
        path: /healthz
        port: http
      periodSeconds: 10
      timeoutSeconds: 3
      failureThreshold: 3
    lifecycle:
      preStop:
        # keep serving while the endpoints and the ingress controller forget this pod; then SIGTERM, and the
        # server finishes what it is doing (gunicorn's graceful timeout, nginx's graceful quit)
        sleep:
          seconds: {{ $svc.preStopSleepSeconds | int }}
    {{- end }}
    securityContext:
      {{- toYaml $svc.securityContext | nindent 6 }}
    resources:
      {{- toYaml $svc.resources | nindent 6 }}
    volumeMounts:
      {{- include "shop.volumeMounts" . | nindent 6 }}
volumes:
  {{- include "shop.podVolumes" . | nindent 2 }}
{{- if $svc.spreadAcrossNodes }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "shop.selectorLabels" (dict "root" $root "component" $svc.name) | nindent 8 }}
{{- end }}
{{- with $svc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $svc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $svc.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/*
`shop-<service> migrate`: waits up to 300 s for the database to answer (a first install starts it at the same
time), then brings the schema up to date once; a migration that fails exits non-zero at once.
*/}}
{{- define "shop.migrateCommand" -}}
- shop-{{ .name }}
- migrate
- --wait
- "300"
{{- end -}}

{{/* A worker's liveness check: `shop-<worker> alive` (its heartbeat file is recent). */}}
{{- define "shop.workerAliveCommand" -}}
- shop-{{ .name }}
- alive
{{- end -}}

{{/* The head of a data store's pod (Postgres or Redis): account, security context, placement. (dict "root" $ "store" $values) */}}
{{- define "shop.storePodSpec" -}}
serviceAccountName: {{ include "shop.fullname" .root }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .store.podSecurityContext | nindent 2 }}
{{- with .store.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .store.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .store.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Network policy egress rules: to a service's database, and to Redis (theirs, or an existing one). */}}
{{- define "shop.databaseEgress" -}}
{{- if .svc.database.existingSecret }}
- {{- with .svc.database.networkPolicyTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - {protocol: TCP, port: {{ .svc.database.port | int }}}
{{- else }}
- to:
    - podSelector:
        matchLabels:
          {{- include "shop.selectorLabels" (dict "root" .root "component" (printf "%s-postgres" .svc.name)) | nindent 10 }}
  ports:
    - {protocol: TCP, port: 5432}
{{- end }}
{{- end -}}

{{- define "shop.redisEgress" -}}
{{- if .Values.redis.existingSecret }}
- {{- with .Values.redis.networkPolicyTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - {protocol: TCP, port: {{ .Values.redis.port | int }}}
{{- else }}
- to:
    - podSelector:
        matchLabels:
          {{- include "shop.selectorLabels" (dict "root" . "component" "redis") | nindent 10 }}
  ports:
    - {protocol: TCP, port: 6379}
{{- end }}
{{- end -}}

{{/* The gateway: the one `web` service, the front door every path of the Ingress or HTTPRoute goes to. -> YAML */}}
{{- define "shop.gateway" -}}
{{- $gateways := list -}}
{{- range $name := include "shop.enabledServices" . | fromYamlArray -}}
{{- $svc := include "shop.service" (dict "root" $ "name" $name) | fromYaml -}}
{{- if eq $svc.kind "web" }}{{ $gateways = append $gateways $svc }}{{ end -}}
{{- end -}}
{{- if ne (len $gateways) 1 -}}
{{- fail (printf "exactly one enabled service must be of kind web (the gateway), found %d" (len $gateways)) -}}
{{- end -}}
{{- toYaml (first $gateways) -}}
{{- end -}}
