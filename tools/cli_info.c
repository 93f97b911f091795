/* cli_info.c — `inductc info`: what a compiled model (or a model file,
 * compiled first) declares — name, ABI version, graph hash, ISA, inputs,
 * outputs — and its sizes when the .so exports them. */
#include "cli.h"

#include <stdio.h>

#include "inductc/model.h"
#include "runtime/profile.h"

static void print_tensor_infos(const char *what, const inductc_tensor_info *t, uint32_t n) {
    printf("%s:\n", what);
    for (uint32_t i = 0; i < n; i++) {
        ic_dtype dt = (ic_dtype)t[i].dtype;
        printf("  %s: %s[", t[i].name ? t[i].name : "?", ic_dtype_size(dt) ? ic_dtype_name(dt) : "?");
        for (int k = 0; k < t[i].rank && k < IC_MAX_RANK && t[i].dims; k++)
            printf("%s%lld", k ? "," : "", (long long)t[i].dims[k]);
        printf("]\n");
    }
}

int cli_cmd_info(args *a) {
    compile_cli c = {0};
    const char *target = NULL;
    while (a->i < a->argc) {
        int r = cli_take_compile_option(a, &c);
        if (r < 0) return -r;
        if (r > 0) continue;
        const char *arg = a->argv[a->i];
        if (arg[0] == '-' && arg[1] != '\0') return cli_usage_error("unknown option '%s' for info", arg);
        if (target) return cli_usage_error("more than one model given ('%s' and '%s')", target, arg);
        target = arg;
        a->i++;
    }
    if (!target) return cli_usage_error("info needs a compiled .so or a model file");
    if (c.out || c.stop_after || c.opt.emit_c)
        return cli_usage_error("-o, --emit-c and --stop-after are for compiling; use 'inductc MODEL -o OUT.so'");
    ic_diag d = {0};
    bool is_so;
    if (cli_file_is_elf(target, &is_so, &d) != IC_OK) return cli_fail(&d);
    ic_compile_result res = {0};
    const char *so = target;
    if (!is_so) {
        if (cli_compile_model(target, &c, &res, &d) != IC_OK) return cli_fail(&d);
        so = res.so_path;
    }
    ic_loaded_model lm;
    ic_status s = cli_load_model_file(so, &lm, &d);
    if (!is_so && c.opt.no_cache) cli_remove_no_cache_build(res.so_path);
    if (s != IC_OK) return cli_fail(&d);
    const inductc_model_info *info = lm.info;
    printf("name: %s\n", info->name ? info->name : "");
    printf("abi version: %u\n", info->abi_version);
    printf("graph hash: ");
    for (int i = 0; i < 16; i++) printf("%02x", info->graph_hash[i]);
    printf("\nisa: %s\n", info->isa ? info->isa : "");
    print_tensor_infos("inputs", info->inputs, info->n_inputs);
    print_tensor_infos("outputs", info->outputs, info->n_outputs);
    s = ic_model_print_stats(&lm, 0, stdout, &d);
    fflush(stdout);
    ic_model_unload(&lm);
    return s == IC_OK ? EXIT_OK : cli_fail(&d);
}
