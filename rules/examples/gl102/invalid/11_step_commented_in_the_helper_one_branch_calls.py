# improved-diffusion's TrainLoop: run_step() backpropagates, then calls optimize_fp16() or
# optimize_normal(). The step of optimize_normal() was commented out: the fp16 branch
# still steps, but full-precision training never moves the weights.
import torch


class TrainLoop:
    def __init__(self, model, use_fp16):
        self.model = model
        self.use_fp16 = use_fp16
        self.opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def run_step(self, batch):
        self.forward_backward(batch)
        if self.use_fp16:
            self.optimize_fp16()
        else:
            self.optimize_normal()

    def forward_backward(self, batch):
        self.opt.zero_grad()
        loss = self.model(batch).mean()
        loss.backward()

    def optimize_fp16(self):
        for p in self.model.parameters():
            p.grad.mul_(0.5)
        self.opt.step()

    def optimize_normal(self):
        self._log_grad_norm()
        # self.opt.step()  # GL102

    def _log_grad_norm(self):
        print(sum(p.grad.norm() ** 2 for p in self.model.parameters()))
