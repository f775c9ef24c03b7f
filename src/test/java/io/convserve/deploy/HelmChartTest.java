package io.convserve.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Helm chart: strict lint, template with default and non-default values, and every rendered manifest read
 * strictly into fabric8's Kubernetes model classes (unknown fields and wrong types rejected) plus the required
 * fields and cross-references a real API server and kubelet would insist on. Also the KServe manifests.
 */
class HelmChartTest {

    private static final Path CHART = Docker.repoRoot().resolve("helm/convserve");
    private static final Path VALUES = Docker.repoRoot().resolve("src/test/resources/helm");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** Strict: unknown properties, scalars of the wrong type and nulls for primitives all fail. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/ConfigMap", ConfigMap.class,
            "v1/Service", Service.class,
            "v1/PersistentVolumeClaim", PersistentVolumeClaim.class,
            "apps/v1/Deployment", Deployment.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);

    @Test
    void lintsStrictlyClean() {
        LintResult result = new Helm(CHART).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    }

    @Test
    void defaultValuesRenderValidManifests() throws Exception {
        Map<String, JsonNode> docs = render(null);
        assertThat(docs.keySet()).containsExactlyInAnyOrder("ConfigMap", "Service", "Deployment",
                "HorizontalPodAutoscaler", "PodDisruptionBudget");
        Deployment deployment = read(docs.get("Deployment"), Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(deployment.getSpec().getReplicas()).as("the HPA owns replicas").isNull();
        assertThat(pod.getInitContainers()).isEmpty();
        Container c = pod.getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("convserve:0.1.0");
        assertThat(c.getVolumeMounts()).extracting(VolumeMount::getMountPath).containsExactlyInAnyOrder("/tmp", "/config");
        HorizontalPodAutoscaler hpa = read(docs.get("HorizontalPodAutoscaler"), HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getMetrics()).hasSize(1);
        assertThat(hpa.getSpec().getMetrics().get(0).getResource().getName()).isEqualTo("cpu");
    }

    @Test
    void pvcQueueTimeAndServiceMonitorValues() throws Exception {
        Map<String, JsonNode> docs = render("pvc-queue-time-servicemonitor.yaml");
        assertThat(docs).containsKeys("PersistentVolumeClaim", "ServiceMonitor");
        PersistentVolumeClaim pvc = read(docs.get("PersistentVolumeClaim"), PersistentVolumeClaim.class);
        PodSpec pod = read(docs.get("Deployment"), Deployment.class).getSpec().getTemplate().getSpec();
        Volume models = volume(pod, "models");
        assertThat(models.getPersistentVolumeClaim().getClaimName()).isEqualTo(pvc.getMetadata().getName());
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("fast");
        assertThat(pvc.getSpec().getResources().getRequests().get("storage").toString()).isEqualTo("2Gi");
        HorizontalPodAutoscaler hpa = read(docs.get("HorizontalPodAutoscaler"), HorizontalPodAutoscaler.class);
        assertThat(hpa.getSpec().getMetrics()).hasSize(2);
        assertThat(hpa.getSpec().getMetrics().get(1).getPods().getMetric().getName())
                .isEqualTo("convserve_queue_time_per_request_us");
        assertThat(read(docs.get("PodDisruptionBudget"), PodDisruptionBudget.class).getSpec().getMinAvailable()
                .getStrVal()).isEqualTo("50%");
        assertThat(read(docs.get("ConfigMap"), ConfigMap.class).getData()).containsKeys("application.yaml", "extra.yaml");
    }

    @Test
    void initContainerValues() throws Exception {
        Map<String, JsonNode> docs = render("init-container-no-hpa.yaml");
        assertThat(docs).doesNotContainKeys("HorizontalPodAutoscaler", "PodDisruptionBudget", "PersistentVolumeClaim");
        Deployment deployment = read(docs.get("Deployment"), Deployment.class);
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
        assertThat(pod.getInitContainers()).singleElement().satisfies(init -> {
            assertThat(init.getImage()).isEqualTo("registry.example.com/convserve-models:2026-11");
            assertThat(init.getVolumeMounts()).extracting(VolumeMount::getName).contains("models");
        });
        assertThat(volume(pod, "models").getEmptyDir()).isNotNull();
        assertThat(pod.getContainers().get(0).getImage()).isEqualTo("registry.example.com/convserve:0.1.0-rc1");
        assertThat(read(docs.get("Service"), Service.class).getSpec().getPorts().get(0).getPort()).isEqualTo(80);
    }

    @Test
    void existingClaimIsUsedAndNotCreated() throws Exception {
        Map<String, JsonNode> docs = render("existing-claim.yaml");
        assertThat(docs).doesNotContainKey("PersistentVolumeClaim");
        PodSpec pod = read(docs.get("Deployment"), Deployment.class).getSpec().getTemplate().getSpec();
        assertThat(volume(pod, "models").getPersistentVolumeClaim().getClaimName()).isEqualTo("shared-models");
    }

    @ParameterizedTest
    @ValueSource(strings = {"servicePort=http", "replicaCount=two", "modelSource=s3", "autoscalingEnabled=maybe",
            "memoryLimit=lots", "unknownValue=1", "runAsUser=0"})
    void valuesSchemaRejectsWrongValues(String assignment) {
        String[] kv = assignment.split("=", 2);
        assertThatThrownBy(() -> new Helm(CHART).template().withName("t").set(kv[0], kv[1]).call())
                .as(assignment).hasMessageContaining("schema");
    }

    @Test
    void initContainerSourceNeedsAnImage() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName("t").set("modelSource", "initContainer").call())
                .hasMessageContaining("modelInitImage");
    }

    @Test
    void kserveServingRuntimeAndInferenceService() throws Exception {
        Path dir = Docker.repoRoot().resolve("deploy/kserve");
        JsonNode runtime = YAML.readTree(Files.readString(dir.resolve("servingruntime.yaml")));
        assertThat(runtime.path("apiVersion").asText()).isEqualTo("serving.kserve.io/v1alpha1");
        assertThat(runtime.path("kind").asText()).isEqualTo("ServingRuntime");
        assertThat(runtime.path("metadata").path("name").asText()).isEqualTo("convserve");
        JsonNode spec = runtime.path("spec");
        assertThat(spec.path("protocolVersions").toString()).isEqualTo("[\"v2\"]");
        assertThat(spec.path("supportedModelFormats").get(0).path("name").asText()).isEqualTo("convserve");
        assertThat(fieldNames(spec)).isSubsetOf(Set.of("annotations", "supportedModelFormats", "protocolVersions",
                "multiModel", "containers", "volumes", "disabled", "grpcEndpoint", "grpcDataEndpoint",
                "builtInAdapter", "storageHelper", "replicas", "nodeSelector", "affinity", "tolerations",
                "imagePullSecrets", "labels", "workerSpec", "hostIPC"));
        // the containers and volumes are core Kubernetes types: strict
        Container container = read(spec.path("containers").get(0), Container.class);
        assertThat(container.getName()).isEqualTo("kserve-container");
        assertThat(container.getArgs()).contains("--inference.repository=/mnt/models");
        assertThat(container.getPorts().get(0).getContainerPort()).isEqualTo(8080);
        assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        List<Volume> volumes = new ArrayList<>();
        for (JsonNode v : spec.path("volumes")) {
            volumes.add(read(v, Volume.class));
        }
        assertMountsResolve(container, volumes);

        JsonNode isvc = YAML.readTree(Files.readString(dir.resolve("inferenceservice.yaml")));
        assertThat(isvc.path("apiVersion").asText()).isEqualTo("serving.kserve.io/v1beta1");
        assertThat(isvc.path("kind").asText()).isEqualTo("InferenceService");
        JsonNode model = isvc.path("spec").path("predictor").path("model");
        assertThat(model.path("runtime").asText()).isEqualTo("convserve");
        assertThat(model.path("protocolVersion").asText()).isEqualTo("v2");
        assertThat(model.path("modelFormat").path("name").asText()).isEqualTo("convserve");
        assertThat(model.path("storageUri").asText()).isNotBlank();
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Renders the chart, validates every document and the references between them; returns them by kind. */
    private Map<String, JsonNode> render(String valuesFile) throws Exception {
        var template = new Helm(CHART).template().withName("demo").withNamespace("ml");
        if (valuesFile != null) {
            template = template.withValuesFile(VALUES.resolve(valuesFile));
        }
        String rendered = template.call();
        Map<String, JsonNode> byKind = new LinkedHashMap<>();
        for (String doc : rendered.split("(?m)^---\\s*$")) {
            JsonNode node = YAML.readTree(doc);
            if (node == null || node.isNull() || node.isEmpty()) {
                continue;
            }
            String kind = node.path("kind").asText();
            assertThat(byKind.put(kind, node)).as("one " + kind).isNull();
            assertThat(node.path("metadata").path("name").asText()).as(kind + " name").matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
            if ("ServiceMonitor".equals(kind)) {
                continue; // a CRD: checked structurally below
            }
            Class<? extends HasMetadata> type = KINDS.get(node.path("apiVersion").asText() + "/" + kind);
            assertThat(type).as("known apiVersion/kind " + node.path("apiVersion") + " " + kind).isNotNull();
            read(node, type);
        }
        checkReferences(byKind);
        return byKind;
    }

    /** Strict read, then no field may have landed in any additionalProperties map. */
    private static <T> T read(JsonNode node, Class<T> type) throws Exception {
        T value = STRICT.treeToValue(node, type);
        List<String> unknown = new ArrayList<>();
        collectAdditional(value, type.getSimpleName(), unknown, new IdentityHashMap<>());
        assertThat(unknown).as("fields unknown to Kubernetes' " + type.getSimpleName()).isEmpty();
        return value;
    }

    private static void collectAdditional(Object value, String path, List<String> unknown, Map<Object, Boolean> seen)
            throws Exception {
        if (value == null || seen.put(value, Boolean.TRUE) != null) {
            return;
        }
        if (value instanceof Collection<?> list) {
            int i = 0;
            for (Object item : list) {
                collectAdditional(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                collectAdditional(e.getValue(), path + "." + e.getKey(), unknown, seen);
            }
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.")) {
            return;
        }
        for (Method m : value.getClass().getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
                    || m.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child = m.invoke(value);
            if (m.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    unknown.add(path + ": " + extra.keySet());
                }
                continue;
            }
            collectAdditional(child, path + "." + m.getName().substring(3), unknown, seen);
        }
    }

    /** What the API server's required fields and the kubelet need, and that the objects point at each other. */
    private static void checkReferences(Map<String, JsonNode> docs) throws Exception {
        Deployment deployment = read(docs.get("Deployment"), Deployment.class);
        Service service = read(docs.get("Service"), Service.class);
        ConfigMap config = read(docs.get("ConfigMap"), ConfigMap.class);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
        assertThat(selector).isNotEmpty();
        assertThat(podLabels).containsAllEntriesOf(selector);
        assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());

        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        List<Container> all = new ArrayList<>(pod.getContainers());
        all.addAll(pod.getInitContainers());
        for (Container c : all) {
            assertThat(c.getName()).as("container name").isNotBlank();
            assertThat(c.getImage()).as(c.getName() + " image").isNotBlank();
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
            assertThat(c.getSecurityContext().getCapabilities().getDrop()).contains("ALL");
            assertMountsResolve(c, pod.getVolumes());
        }
        Container main = pod.getContainers().get(0);
        Set<String> portNames = main.getPorts().stream().map(p -> p.getName()).collect(Collectors.toSet());
        Set<Integer> portNumbers = main.getPorts().stream().map(p -> p.getContainerPort()).collect(Collectors.toSet());
        assertThat(portNumbers).containsExactly(8080);
        assertProbe(main.getStartupProbe(), "/livez", portNames);
        assertProbe(main.getLivenessProbe(), "/livez", portNames);
        assertProbe(main.getReadinessProbe(), "/readyz", portNames);
        assertThat(main.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(main.getResources().getRequests()).containsKeys("cpu", "memory");
        service.getSpec().getPorts().forEach(p -> {
            assertThat(p.getPort()).isPositive();
            assertThat(portNames).contains(p.getTargetPort().getStrVal());
        });
        assertThat(volume(pod, "config").getConfigMap().getName()).isEqualTo(config.getMetadata().getName());
        assertThat(volume(pod, "tmp").getEmptyDir()).isNotNull();

        if (docs.containsKey("HorizontalPodAutoscaler")) {
            HorizontalPodAutoscaler hpa = read(docs.get("HorizontalPodAutoscaler"), HorizontalPodAutoscaler.class);
            assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
            assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
            assertThat(hpa.getSpec().getMaxReplicas()).isGreaterThanOrEqualTo(hpa.getSpec().getMinReplicas());
        }
        if (docs.containsKey("PodDisruptionBudget")) {
            PodDisruptionBudget pdb = read(docs.get("PodDisruptionBudget"), PodDisruptionBudget.class);
            assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
        }
        if (docs.containsKey("ServiceMonitor")) {
            JsonNode monitor = docs.get("ServiceMonitor");
            assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
            assertThat(fieldNames(monitor)).containsExactlyInAnyOrder("apiVersion", "kind", "metadata", "spec");
            assertThat(fieldNames(monitor.path("spec"))).containsExactlyInAnyOrder("selector", "endpoints");
            Map<String, String> matchLabels = YAML.convertValue(monitor.path("spec").path("selector").path("matchLabels"),
                    YAML.getTypeFactory().constructMapType(Map.class, String.class, String.class));
            assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(matchLabels);
            JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
            assertThat(fieldNames(endpoint)).isSubsetOf(Set.of("port", "path", "interval", "scrapeTimeout", "scheme"));
            assertThat(endpoint.path("path").asText()).isEqualTo("/actuator/prometheus");
            assertThat(service.getSpec().getPorts()).extracting(p -> p.getName()).contains(endpoint.path("port").asText());
        }
    }

    private static void assertProbe(Probe probe, String path, Set<String> portNames) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(portNames).contains(probe.getHttpGet().getPort().getStrVal());
    }

    private static void assertMountsResolve(Container c, List<Volume> volumes) {
        Set<String> names = volumes.stream().map(Volume::getName).collect(Collectors.toSet());
        assertThat(volumes).hasSameSizeAs(names);
        for (VolumeMount m : c.getVolumeMounts()) {
            assertThat(names).as(c.getName() + " mounts " + m.getName()).contains(m.getName());
            assertThat(m.getMountPath()).startsWith("/");
        }
        assertThat(c.getVolumeMounts()).extracting(VolumeMount::getMountPath).contains("/tmp");
    }

    private static Volume volume(PodSpec pod, String name) {
        return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
